"""What a stop could not finish, held for the next start; and the drafts whose question may not have been seen."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import delete, insert, update
from sqlalchemy.engine import Engine as Database

from bot.storage.models import Draft, HeldItem, utcnow

UPDATE, REPLY = "update", "reply"


def mark_unseen(db: Database, draft_id: int, version: int) -> None:
    """The reply showing this version's question failed or may not have arrived: a typed text is not its answer
    (unless the draft has moved on meanwhile)."""
    with db.begin() as connection:
        connection.execute(_unseen(draft_id, version))


def mark_seen(db: Database, draft_id: int, version: int) -> None:
    """A held reply showing this version's question was sent at last."""
    with db.begin() as connection:
        connection.execute(update(Draft).where(Draft.id == draft_id, Draft.unseen_version == version)
                           .values(unseen_version=None))


def hold(db: Database, bot_id: int, items: list[dict], now: dt.datetime | None = None) -> None:
    """Items: {kind, chat_id, payload (JSON-able), draft_id?, draft_version?}."""
    if not items:
        return
    now = now or utcnow()
    rows = [{"bot_id": bot_id, "kind": item["kind"], "chat_id": item.get("chat_id"),
             "draft_id": item.get("draft_id"), "draft_version": item.get("draft_version"),
             "payload": json.dumps(item["payload"], ensure_ascii=False), "created_at": now} for item in items]
    with db.begin() as connection:
        connection.execute(insert(HeldItem), rows)
        for item in items:  # a reply held is not on the screen yet: its question waits for it
            if item["kind"] == REPLY and item.get("draft_id") is not None:
                connection.execute(_unseen(item["draft_id"], item["draft_version"]))


def _unseen(draft_id: int, version: int):
    return update(Draft).where(Draft.id == draft_id, Draft.version == version).values(unseen_version=version)


def take(db: Database, bot_id: int) -> list[dict]:
    """All held items of this bot, taken at once (another process starting at the same moment gets none of them),
    oldest first."""
    with db.begin() as connection:
        rows = connection.execute(delete(HeldItem).where(HeldItem.bot_id == bot_id).returning(
            HeldItem.id, HeldItem.kind, HeldItem.chat_id, HeldItem.draft_id, HeldItem.draft_version,
            HeldItem.payload)).all()
    return [{"kind": r.kind, "chat_id": r.chat_id, "draft_id": r.draft_id, "draft_version": r.draft_version,
             "payload": json.loads(r.payload)} for r in sorted(rows, key=lambda r: r.id)]
