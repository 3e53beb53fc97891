"""The tables: organisations, schools, invitations, members, drafts, chat screens and filed requests."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlmodel import Field, SQLModel

from bot.domain.leaves import Status
from bot.domain.records import AuditAction, BatchStatus, DraftStatus, EventKind, ReminderKind
from bot.domain.roles import Role
from bot.storage.types import Roles, Word


def utcnow() -> dt.datetime:
    """Aware UTC: the one clock the database sees (SQLModel stores UTC and gives it back aware)."""
    return dt.datetime.now(dt.UTC)


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    bce: str = Field(max_length=10, unique=True, index=True)
    name: str = Field(max_length=200)
    demo: bool = False
    # A public body or a private-law body (bot.domain.leaves.Employer): its own staff's rules follow from it. None:
    # not recorded yet (its own staff are offered only the leaves open to every employer).
    employer: str | None = Field(default=None, max_length=8)
    created_at: dt.datetime = Field(default_factory=utcnow)


class School(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    bce: str = Field(max_length=10, unique=True, index=True)
    community: str = Field(max_length=3)
    name: str = Field(max_length=200)
    # Typed at the intake by a member who is not an access manager: registered, but to be checked by one. Who added it
    # and when; `told_at`: when the access managers were told.
    to_check: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    added_by: int | None = Field(default=None, foreign_key="member.id")
    added_at: dt.datetime | None = None
    told_at: dt.datetime | None = None


class Invitation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    code_hash: str = Field(max_length=64, unique=True, index=True)
    roles: frozenset[Role] = Field(sa_type=Roles(100), nullable=False)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    used_at: dt.datetime | None = None
    used_by: int | None = Field(default=None, foreign_key="member.id")
    # Who made it (None: the command line). Revoking them cancels what they made and did not see used.
    created_by: int | None = Field(default=None, foreign_key="member.id", index=True)
    cancelled_at: dt.datetime | None = None


class Member(SQLModel, table=True):
    """A chat account enrolled in one organisation with some roles."""

    __table_args__ = (UniqueConstraint("channel", "user_key"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    channel: str = Field(max_length=16)
    user_key: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=200)
    roles: frozenset[Role] = Field(sa_type=Roles(100), nullable=False)
    locale: str | None = Field(default=None, max_length=5)
    email: str | None = Field(default=None, max_length=254)  # where confirmation e-mails go, once proved
    email_verified_at: dt.datetime | None = None  # when the member typed the code sent to that address
    enrolled_at: dt.datetime = Field(default_factory=utcnow)
    revoked_at: dt.datetime | None = None
    reminders: bool = Field(default=True, sa_column_kwargs={"server_default": true()})  # /reminders turns them off

    @property
    def role_set(self) -> frozenset[Role]:
        return self.roles


class Draft(SQLModel, table=True):
    """A form being answered in a chat: a new request, or a modification of a filed one. Kept when it ends
    (filed, abandoned, done), so nothing typed is lost; at most one is open per chat."""

    __table_args__ = (
        Index("ix_draft_chat_status", "channel", "chat_key", "status"),
        Index("ux_draft_open_per_chat", "channel", "chat_key", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    chat_key: str = Field(max_length=64)
    member_id: int = Field(foreign_key="member.id", index=True)
    # The organisation the draft was started for: filing checks that the member still acts for it.
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    form: str = Field(default="intake", max_length=20)  # which form: intake, modify
    state: str = Field(max_length=40)  # the step being answered, or the summary
    answers: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    history: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # steps, for "Back"
    editing: bool = False  # answering a step chosen from the summary
    version: int = 0  # changes at every save: a button of an older message carries an older one
    # The version whose question may not have reached the chat (its reply failed, timed out or was held at a stop):
    # a typed text is not stored as that question's answer; the question is shown again.
    unseen_version: int | None = None
    # The request a modification changes. The two tables point at each other (a request names the draft it was
    # filed from): this key is added after both tables exist, and a deleted request leaves the draft without it.
    request_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("leave_request.id", use_alter=True, name="fk_draft_request_id", ondelete="SET NULL"),
        nullable=True))
    status: DraftStatus = Field(default=DraftStatus.OPEN, sa_type=Word(DraftStatus, 10), nullable=False)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class ChatScreen(SQLModel, table=True):
    """What a chat shows outside the forms: the overview's filters, the request in focus (a document sent next is
    attached to it), the roles of an invitation being made."""

    __tablename__ = "chat_screen"
    __table_args__ = (UniqueConstraint("channel", "chat_key"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    chat_key: str = Field(max_length=64)
    member_id: int = Field(foreign_key="member.id", index=True)
    overview: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # the filters, see overview
    focus_request_id: int | None = Field(default=None, foreign_key="leave_request.id")
    focus_at: dt.datetime | None = None
    invite_roles: frozenset[Role] = Field(default=frozenset(), sa_type=Roles(100), nullable=False)
    # An invitation to another organisation that the member opened and has not yet accepted or declined.
    pending_invitation_id: int | None = Field(default=None, foreign_key="invitation.id")
    # An e-mail address being proved: the code sent to it (hashed) and when, until the member types it back.
    email_pending: str | None = Field(default=None, max_length=254)
    email_code_hash: str | None = Field(default=None, max_length=64)
    email_code_sent_at: dt.datetime | None = None
    updated_at: dt.datetime = Field(default_factory=utcnow)


class LeaveRequest(SQLModel, table=True):
    """The employer part of a request, as filed."""

    __tablename__ = "leave_request"
    __table_args__ = (
        Index("ix_request_org_filed", "organisation_id", "filed_at"),  # the overview's page, newest first
        # Counting the overview's matches reads this index only (period, status, type, form, capacity filters).
        Index("ix_request_org_end", "organisation_id", "end_date", "status", "leave_type", "regime", "start_date",
              "capacity"),
        Index("ix_request_org_niss", "organisation_id", "niss"),
        # The Mini App's counts by status: one range per status, reading this index only.
        Index("ix_request_org_capacity_status", "organisation_id", "capacity", "status", "end_date", "leave_type",
              "regime", "start_date"),
        # The Mini App's search by a name's beginning, in either order (request_store.NAME_ORDERS).
        Index("ix_request_org_name", "organisation_id", text("lower((last_name || ' ') || first_name)")),
        Index("ix_request_org_first_name", "organisation_id", text("lower((first_name || ' ') || last_name)")),
        # A row of a spreadsheet is filed once, whatever taps or processes meet (bot/dialogs/bulk.py).
        Index("ux_request_batch_line", "batch_id", "batch_line", unique=True),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket: str = Field(max_length=16, unique=True, index=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    member_id: int = Field(foreign_key="member.id")
    draft_id: int | None = Field(default=None, foreign_key="draft.id", unique=True)  # None: not filed in a chat
    batch_id: int | None = Field(default=None, foreign_key="request_batch.id")  # filed from a spreadsheet
    batch_line: int | None = None  # its line there
    capacity: str = Field(max_length=3)
    community: str | None = Field(default=None, max_length=3)
    school_bce: str | None = Field(default=None, max_length=10)
    niss: str = Field(max_length=11, index=True)
    last_name: str = Field(max_length=60)
    first_name: str = Field(max_length=60)
    staff_status: str = Field(max_length=12)
    email: str | None = Field(default=None, max_length=254)
    leave_type: str = Field(max_length=12)
    motive: str | None = Field(default=None, max_length=12)  # the case of a medical assistance, time credit's motive
    regime: str = Field(max_length=8)
    start_date: dt.date
    end_date: dt.date
    hours_before: int  # minutes a week, or periods of a teacher's timetable (time_unit)
    fulltime_hours: int
    time_unit: str = Field(default="hours", max_length=8, sa_column_kwargs={"server_default": "hours"})
    notice_date: dt.date
    rtt: bool
    employer_agreement: bool | None = None
    confirmation_email: bool = False
    status: Status = Field(default=Status.WAITING, sa_type=Word(Status, 12), nullable=False)
    office: str | None = Field(default=None, max_length=40)
    filed_at: dt.datetime = Field(default_factory=utcnow)
    version: int = 0  # changes at every modification and status change: a save based on an older one is refused


class RequestBatch(SQLModel, table=True):
    """A spreadsheet of requests a member sent: checked at once, filed whole after the certification. The file is
    kept until then (it is checked again when filed) and forgotten after."""

    __tablename__ = "request_batch"
    __table_args__ = (Index("ix_batch_org_digest", "organisation_id", "digest"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    member_id: int = Field(foreign_key="member.id", index=True)
    digest: str = Field(max_length=64)  # SHA-256 of the file: the same file sent again is recognised
    filename: str = Field(max_length=200)
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    ready_lines: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    certified: bool = False
    status: BatchStatus = Field(default=BatchStatus.CHECKED, sa_type=Word(BatchStatus, 8), nullable=False)
    version: int = 1  # changes at every tap: a button of an older message no longer acts
    created_at: dt.datetime = Field(default_factory=utcnow)
    filed_at: dt.datetime | None = None


class RequestEvent(SQLModel, table=True):
    """One line of a request's history: filed, modified, a status change, cancelled."""

    __tablename__ = "request_event"
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="leave_request.id", index=True)
    kind: EventKind = Field(sa_type=Word(EventKind, 12), nullable=False)
    status: Status | None = Field(default=None, sa_type=Word(Status, 12))  # the status after the event
    office: str | None = Field(default=None, max_length=40)
    changes: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # {field: [before, after]}
    member_id: int | None = Field(default=None, foreign_key="member.id")  # None: ONEM's side
    # The member who ticked "I certify that all the data on this form are correct" for a filing or a modification.
    certified_by: int | None = Field(default=None, foreign_key="member.id")
    source: str = Field(default="chat", max_length=20)  # chat, onem-cli, onem-import
    effective_date: dt.date | None = None  # the date ONEM gives for a status change
    happened_at: dt.datetime = Field(default_factory=utcnow)


class Attachment(SQLModel, table=True):
    """A document of a request, with a local copy: sent in the chat by a member (e.g. the written notice), or added
    by ONEM's side (an attestation; no member)."""

    # One number per document of a request: its file is named by it (<ticket>-<n>), so two never share one.
    __table_args__ = (Index("ux_attachment_request_number", "request_id", "number", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="leave_request.id", index=True)
    member_id: int | None = Field(default=None, foreign_key="member.id")  # None: added by ONEM's side
    filename: str = Field(max_length=200)
    mime: str = Field(max_length=60)
    size: int
    sha256: str = Field(max_length=64)
    number: int = 0  # the n-th document of the request: it is sent back as <ticket>-<n>.<extension>
    stored_path: str = Field(max_length=400)  # relative to the attachments folder
    telegram_file_id: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # no set length
    added_at: dt.datetime = Field(default_factory=utcnow)


class Notification(SQLModel, table=True):
    """A chat message owed to one member about a request's new status; sent by the bot process."""

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    request_id: int = Field(foreign_key="leave_request.id")
    event_id: int = Field(foreign_key="request_event.id")
    created_at: dt.datetime = Field(default_factory=utcnow)
    sent_at: dt.datetime | None = Field(default=None, index=True)
    failed_at: dt.datetime | None = None  # given up (the user blocked the bot, or left)
    error: str | None = Field(default=None, max_length=200)


REMINDER_UNSENT = "sent_at IS NULL AND failed_at IS NULL"
OUTBOX_UNSENT = "sent_at IS NULL"


class Reminder(SQLModel, table=True):
    """A reminder claimed for one member about one subject (a draft or a request). The row is unique per (kind,
    subject, member): the process whose insert lands sends it, any other insert meets it and sends nothing."""

    __table_args__ = (UniqueConstraint("kind", "subject_id", "member_id", name="ux_reminder_once"),
                      # The claims still in flight, counted at every scrape of /metrics (bot.metrics).
                      Index("ix_reminder_unsent", "created_at", sqlite_where=text(REMINDER_UNSENT),
                            postgresql_where=text(REMINDER_UNSENT)))
    id: int | None = Field(default=None, primary_key=True)
    kind: ReminderKind = Field(sa_type=Word(ReminderKind, 10), nullable=False)
    subject_id: int  # the draft's id (kind draft) or the request's (waiting, ending)
    member_id: int = Field(foreign_key="member.id", index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    sent_at: dt.datetime | None = None
    failed_at: dt.datetime | None = None  # given up (the user blocked the bot, or left)
    error: str | None = Field(default=None, max_length=200)


class OutboxMail(SQLModel, table=True):
    """An e-mail waiting to be sent; retried until the mail server takes it."""

    __tablename__ = "outbox_mail"
    # The mails not sent yet, counted at every scrape of /metrics (bot.metrics) without reading the sent ones.
    __table_args__ = (Index("ix_outbox_mail_unsent", "created_at", sqlite_where=text(OUTBOX_UNSENT),
                            postgresql_where=text(OUTBOX_UNSENT)),)
    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=254)
    subject: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    attachment_name: str | None = Field(default=None, max_length=200)
    attachment: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: dt.datetime = Field(default_factory=utcnow)
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(default_factory=utcnow, index=True)
    sent_at: dt.datetime | None = None
    last_error: str | None = Field(default=None, max_length=300)
    # A mail to the worker of this request: its delivery is a line of the request's history. None: any other mail.
    request_id: int | None = Field(default=None, foreign_key="leave_request.id", index=True)


class ProcessedUpdate(SQLModel, table=True):
    """Telegram updates already applied: a redelivered update (same id) is not applied twice."""

    __tablename__ = "processed_update"
    # Update ids are numbered per bot: another bot's update with the same number is another update.
    bot_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    # Not indexed: an index would cost every update a page write; pruning old rows once a day may read them all.
    processed_at: dt.datetime = Field(default_factory=utcnow)


class HeldItem(SQLModel, table=True):
    """What a stopping process could not finish within its stop budget: an update it had taken but not handled, or
    a reply it had not sent. The next process to start takes them all (one delete) and handles or sends them."""

    __tablename__ = "held_item"
    id: int | None = Field(default=None, primary_key=True)
    bot_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    kind: str = Field(max_length=8)  # update, reply
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    draft_id: int | None = None  # a reply showing a draft's question: it is seen once sent
    draft_version: int | None = None
    payload: str  # the update as Telegram sent it, or the reply's Bot API method and fields (JSON)
    created_at: dt.datetime = Field(default_factory=utcnow)


class AuditEntry(SQLModel, table=True):
    """Who consulted, exported, modified or cancelled which request, and when."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_org_at", "organisation_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    member_id: int | None = Field(default=None, foreign_key="member.id")
    action: AuditAction = Field(sa_type=Word(AuditAction, 20), nullable=False)
    request_id: int | None = Field(default=None, foreign_key="leave_request.id", index=True)
    detail: str | None = Field(default=None, max_length=200)  # e.g. the export's filters and row count
    at: dt.datetime = Field(default_factory=utcnow)
