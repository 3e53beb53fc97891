"""The audit: who looked at or changed which request, or whom, and when."""
from __future__ import annotations

from sqlmodel import Session

from bot.domain.records import AuditAction
from bot.storage.models import (
    AuditEntry,
    LeaveRequest,
)


def record(session: Session, member, action: AuditAction, request: LeaveRequest | None = None,
          detail: str | None = None) -> None:
    """Keep who looked at or changed which request, in the turn's own transaction."""
    session.add(AuditEntry(organisation_id=member.organisation_id, member_id=member.id, action=action,
                           request_id=request.id if request is not None else None,
                           detail=detail[:200] if detail else None))
