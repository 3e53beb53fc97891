"""The words the records are kept in: what becomes of a draft, what happened to a request, what a member did. Each
is an enumeration, stored as its value (bot/storage/types.py refuses any other word)."""
from __future__ import annotations

from enum import StrEnum


class DraftStatus(StrEnum):
    OPEN = "open"
    ABANDONED = "abandoned"  # stopped, replaced, or its member moved: kept, never deleted
    FILED = "filed"  # a new request, filed
    DONE = "done"  # a modification saved, a school registered or renamed


class BatchStatus(StrEnum):
    """What became of a spreadsheet of requests."""

    CHECKED = "checked"  # read and checked: waiting for the certification and "File N requests"
    FILED = "filed"  # its ready rows filed, all in one transaction
    DROPPED = "dropped"  # left by its member, or replaced by another file


class EventKind(StrEnum):
    """A line of a request's history."""

    FILED = "filed"
    MODIFIED = "modified"
    STATUS = "status"  # ONEM's side: a status or an office
    CANCELLED = "cancelled"
    DOCUMENT = "document"  # ONEM's side: an attestation added
    WORKER_MAIL = "worker mail"  # the e-mail telling the worker their next step, as the mail server took it


class ReminderKind(StrEnum):
    """What a reminder is about; with its subject and its member, the one event it is sent for."""

    DRAFT = "draft"  # a new request left unfinished (subject: the draft)
    WAITING = "waiting"  # a request still waiting for the worker's part (subject: the request)
    ENDING = "ending"  # a leave about to end, which may be extended (subject: the request)


class AuditAction(StrEnum):
    """A line of the audit: who looked at or changed what."""

    CONSULTED = "consulted"
    RECEIPT = "receipt"
    ATTACHMENT = "attachment"  # a document sent back
    ATTACHED = "attached"  # a document added
    MODIFIED = "modified"
    CANCELLED = "cancelled"
    EXPORTED = "exported"
    WORKER_MAIL = "worker mail"  # the worker's e-mail queued again
    INVITED = "invited"
    UNINVITED = "invitation cancelled"
    REVOKED = "revoked"
    LEFT = "left"  # for another organisation
    LOGGED_OUT = "logged out"
    SCHOOL = "school registered"
