"""The tables: organisations, schools, invitations, members, dialogs and filed requests."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    """Aware UTC: the one clock the database sees (SQLModel stores UTC and gives it back aware)."""
    return dt.datetime.now(dt.UTC)


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    bce: str = Field(max_length=10, unique=True, index=True)
    name: str = Field(max_length=200)
    demo: bool = False
    created_at: dt.datetime = Field(default_factory=utcnow)


class School(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    bce: str = Field(max_length=10, unique=True, index=True)
    community: str = Field(max_length=3)
    name: str = Field(max_length=200)


class Invitation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    code_hash: str = Field(max_length=64, unique=True, index=True)
    roles: str = Field(max_length=100)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    used_at: dt.datetime | None = None
    used_by: int | None = Field(default=None, foreign_key="member.id")


class Member(SQLModel, table=True):
    """A chat account enrolled in one organisation with some roles."""

    __table_args__ = (UniqueConstraint("channel", "user_key"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    channel: str = Field(max_length=16)
    user_key: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=200)
    roles: str = Field(max_length=100)
    locale: str | None = Field(default=None, max_length=5)
    enrolled_at: dt.datetime = Field(default_factory=utcnow)
    revoked_at: dt.datetime | None = None

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(r for r in self.roles.split(",") if r)


class Dialog(SQLModel, table=True):
    """One conversation's saved state: step, answers, back-history, version (one row per draft)."""

    __table_args__ = (Index("ix_dialog_chat_status", "channel", "chat_key", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    chat_key: str = Field(max_length=64)
    member_id: int = Field(foreign_key="member.id", index=True)
    kind: str = Field(default="intake", max_length=20)
    state: str = Field(max_length=40)
    answers: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    history: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    editing: bool = False
    version: int = 0
    status: str = Field(default="open", max_length=10)  # open, abandoned, filed
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class LeaveRequest(SQLModel, table=True):
    """The employer part of a request, as filed."""

    __tablename__ = "leave_request"
    __table_args__ = (Index("ix_request_org_filed", "organisation_id", "filed_at"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket: str = Field(max_length=16, unique=True, index=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    member_id: int = Field(foreign_key="member.id")
    dialog_id: int = Field(foreign_key="dialog.id", unique=True)
    capacity: str = Field(max_length=3)
    community: str | None = Field(default=None, max_length=3)
    school_bce: str | None = Field(default=None, max_length=10)
    niss: str = Field(max_length=11, index=True)
    last_name: str = Field(max_length=60)
    first_name: str = Field(max_length=60)
    staff_status: str = Field(max_length=12)
    email: str | None = Field(default=None, max_length=254)
    leave_type: str = Field(max_length=12)
    regime: str = Field(max_length=8)
    start_date: dt.date
    end_date: dt.date
    hours_before: int
    fulltime_hours: int
    notice_date: dt.date
    rtt: bool
    employer_agreement: bool | None = None
    confirmation_email: bool = False
    status: str = Field(default="waiting", max_length=12)
    office: str | None = Field(default=None, max_length=40)
    filed_at: dt.datetime = Field(default_factory=utcnow)
