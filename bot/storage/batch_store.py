"""Spreadsheets of requests a member sent: kept while they wait for the certification, then the tickets of their
rows. Scoped by the acting member's organisation; never commits."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, update
from sqlmodel import Session, select

from bot.domain.records import BatchStatus
from bot.storage.models import LeaveRequest, RequestBatch

KEPT = dt.timedelta(days=2)  # a file checked and never filed is forgotten after this (it holds national numbers)


def open_batch(session: Session, member, digest: str, filename: str, content: bytes, ready_lines: list[int],
               now: dt.datetime) -> RequestBatch:
    """A file just checked; the member's files still waiting are dropped (the last one sent is the one filed)."""
    session.execute(update(RequestBatch).where(RequestBatch.member_id == member.id,
                                               RequestBatch.status == BatchStatus.CHECKED)
                    .values(status=BatchStatus.DROPPED, content=None, version=RequestBatch.version + 1))
    batch = RequestBatch(organisation_id=member.organisation_id, member_id=member.id, digest=digest,
                         filename=filename[:200], content=content, ready_lines=ready_lines, created_at=now)
    session.add(batch)
    session.flush()
    return batch


def batch_of(session: Session, member, batch_id: int, lock: bool = False) -> RequestBatch | None:
    """One of the member's own files (another member's, or another organisation's, is none); locked while it is
    filed, so that two taps or two processes file it once."""
    query = select(RequestBatch).where(RequestBatch.id == batch_id, RequestBatch.member_id == member.id,
                                       RequestBatch.organisation_id == member.organisation_id)
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


def filed_as(session: Session, organisation_id: int, digest: str) -> RequestBatch | None:
    """The same file, filed before by the organisation."""
    return session.exec(select(RequestBatch).where(RequestBatch.organisation_id == organisation_id,
                                                   RequestBatch.digest == digest,
                                                   RequestBatch.status == BatchStatus.FILED)
                        .order_by(RequestBatch.id.desc())).first()


def tickets_of(session: Session, batch: RequestBatch) -> dict[int, str]:
    """The ticket of each filed line of a file."""
    rows = session.exec(select(LeaveRequest.batch_line, LeaveRequest.ticket)
                        .where(LeaveRequest.batch_id == batch.id,
                               LeaveRequest.organisation_id == batch.organisation_id))
    return dict(rows.all())


def requests_of(session: Session, batch: RequestBatch) -> list[LeaveRequest]:
    """The requests a file filed, in the order of its lines."""
    return list(session.exec(select(LeaveRequest).where(LeaveRequest.batch_id == batch.id,
                                                        LeaveRequest.organisation_id == batch.organisation_id)
                             .order_by(LeaveRequest.batch_line)))


def prune(db, now: dt.datetime) -> int:
    """Forget the files checked and never filed; a filed one keeps only its digest and its tickets."""
    with db.begin() as connection:
        return connection.execute(delete(RequestBatch).where(RequestBatch.status != BatchStatus.FILED,
                                                             RequestBatch.created_at < now - KEPT)).rowcount
