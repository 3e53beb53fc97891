"""Trust: who may do what (the role matrix), joining another organisation, revocation, concurrent changes, files
and cells that cannot deceive, privacy, and Telegram's limits; all through the real Application."""
from __future__ import annotations

import itertools

import pytest
from telegram import Update

from bot.dialogs.actions import ASK_CANCEL, ASK_REVOKE, MODIFY, OVERVIEW_EXPORT
from bot.domain.roles import MATRIX, Permission, Role, allows, refusal
from bot.i18n import render, t
from bot.storage import repository
from bot.storage.database import session
from tests.conftest import Chat, enrol
from tests.test_intake_dialog import TICKET, confirm, to_summary

ROLE_SETS = [frozenset(c) for n in (1, 2, 3) for c in itertools.combinations(Role, n)]
FULL_NISS, MASKED_NISS = "85.03.14-123.02", "85.**.**-***.02"


async def upload(chat: Chat, name: str, mime: str, data: bytes) -> str:
    file_id = f"f{len(chat.recorder.files)}"
    chat.recorder.files[file_id] = data
    message = {"message_id": 7000 + len(chat.recorder.files), "date": 0,
               "chat": {"id": chat.user_id, "type": "private"},
               "from": {"id": chat.user_id, "is_bot": False, "first_name": "U", "language_code": "fr"},
               "document": {"file_id": file_id, "file_unique_id": "u" + file_id, "file_name": name,
                            "mime_type": mime, "file_size": len(data)}}
    start = len(chat.recorder.calls)
    await chat.app.process_update(Update.de_json({"update_id": 800000 + len(chat.recorder.files),
                                                  "message": message}, chat.app.bot))
    return "\n".join(p.get("text", "") for n, p in chat.recorder.calls[start:] if n == "sendMessage")


def test_every_permission_is_given_by_some_role_and_the_access_manager_alone_files_nothing():
    assert set().union(*MATRIX.values()) == set(Permission)
    alone = frozenset({Role.ACCESS_MANAGER})
    for permission in (Permission.FILE, Permission.MODIFY, Permission.CANCEL, Permission.EXPORT,
                       Permission.READ_NISS, Permission.FOLLOW):
        assert not allows(alone, permission)


@pytest.fixture
async def filed(chat):
    """A request filed by member 1001 (a filer) and a colleague 1002 to revoke; returns the ticket."""
    await to_summary(chat)
    ticket = TICKET.search(await confirm(chat)).group(0)
    enrol(chat.app.bot_data["engine"].db, 1002)
    return ticket


@pytest.mark.parametrize("roles", ROLE_SETS, ids=lambda roles: "+".join(sorted(roles)))
async def test_every_role_against_every_action(filed, chat, roles):
    """What each handler does for a member with exactly these roles is what the role matrix says."""
    db = chat.app.bot_data["engine"].db
    enrol(db, 3000, roles=tuple(roles))
    member = Chat(chat.app, chat.recorder, 3000)
    with session(db) as s:
        colleague = repository.member_for(s, "telegram", "1002").id
    said = {permission: render(t(refusal(permission)), "fr") for permission in Permission}

    async def calls(coroutine) -> list[str]:
        start = len(chat.recorder.calls)
        await coroutine
        return [name for name, _ in chat.recorder.calls[start:]]

    outcomes = {
        Permission.FILE: said[Permission.FILE] not in await member.send("/new"),
        Permission.FOLLOW: said[Permission.FOLLOW] not in await member.send("/status"),
        Permission.MODIFY: "Modification" in await member.press(MODIFY.pack(filed)),
        Permission.CANCEL: "Annuler la demande" in await member.press(ASK_CANCEL.pack(filed)),
        Permission.EXPORT: "sendDocument" in await calls(member.press(OVERVIEW_EXPORT.pack())),
        Permission.INVITE: said[Permission.INVITE] not in await member.send("/invite"),
        Permission.REVOKE: said[Permission.REVOKE] not in await member.press(ASK_REVOKE.pack(colleague)),
        Permission.MANAGE_SCHOOLS: said[Permission.MANAGE_SCHOOLS] not in await member.send("/schools"),
        Permission.ATTACH: said[Permission.ATTACH] not in await upload(member, "a.pdf", "application/pdf",
                                                                       b"%PDF-1.4\n"),
    }
    shown = await member.send(f"/status {filed}")
    outcomes[Permission.READ_NISS] = FULL_NISS in shown
    assert outcomes == {permission: allows(roles, permission) for permission in Permission}
    if allows(roles, Permission.FOLLOW) and not allows(roles, Permission.READ_NISS):
        assert MASKED_NISS in shown
