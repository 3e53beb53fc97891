"""A soak test: two bot processes on one PostgreSQL database, 50 members of 3 organisations doing random things at
the same time (file, modify, cancel, revoke, invite again, join another organisation, tap twice, have an update
delivered twice, ONEM changing statuses in between), then what must always hold is checked.

Runs for BREAKBOT_SOAK_SECONDS (20 by default, as in CI); for a long run:
    BREAKBOT_SOAK_SECONDS=600 BREAKBOT_TEST_DATABASE_URL=postgresql+psycopg://... bash test.sh tests/test_soak.py -s
It prints what was done and what held.
"""
from __future__ import annotations

import collections
import concurrent.futures
import datetime as dt
import json
import os
import random
import threading
import time

import pytest
from sqlmodel import select

from bot import onem
from bot.dialogs.actions import ASK_CANCEL, CANCEL, JOIN, MODIFY, REVOKE, SHOW_REQUEST
from bot.domain.leaves import period_end
from bot.storage import organisation_store
from bot.storage.database import session
from bot.storage.models import Draft, LeaveRequest, Member, RequestEvent
from tests.conftest import form_code
from tests.test_intake_dialog import TICKET
from tests.test_processes import Bots

SECONDS = float(os.environ.get("BREAKBOT_SOAK_SECONDS", "20"))
ORGANISATIONS = [("0234567873", "PO Y", "0876543270"), ("0555055576", "PO Z", "1000000120"),
                 ("0123456749", "PO W", "1020304002")]
USERS = list(range(7000, 7050))
NISS = ["85031412302", "90110224612", "03062105828", "90051704809", "75441720108"]
START = dt.date.today().replace(day=1) + dt.timedelta(days=400)


class Soak:
    """The members, what each did, and what the bots answered them."""

    def __init__(self, bots: Bots, db):
        self.bots, self.db = bots, db
        self.locks = {user: threading.Lock() for user in USERS}
        self.done: collections.Counter = collections.Counter()
        self.filed: dict[str, int] = {}  # ticket -> user, for every Confirm that showed a ticket
        self.saved: list[tuple[str, int, str]] = []  # (ticket, user, field) of every modification reported saved
        self.organisations: dict[int, set[int]] = collections.defaultdict(set)  # every organisation a user had
        self.revoked: dict[int, list[list]] = collections.defaultdict(list)  # user -> [[revoked at, back at]]
        self.filings = collections.Counter()  # per user: distinct periods, so no two requests overlap
        self.rng = random.Random(20261130)
        self.guard = threading.Lock()

    # talking to the bots ------------------------------------------------------------------------------------------

    def answers(self, user: int) -> list[dict]:
        """The user's replies, without the status notifications the job sends at any moment."""
        return [r for r in self.bots.api.replies(user) if "statut de la demande" not in r.get("text", "")]

    def post(self, user: int, update: dict, again: bool = False) -> dict | None:
        """Post to one process (sometimes the same update to the other too); the reply that came, if any."""
        before = len(self.answers(user))
        port = self.rng.choice(self.bots.ports)
        assert self.bots.post(port, update) == 200
        if again:  # Telegram delivers it again, to the other process: applied and answered once
            self.done["redelivered"] += 1
            assert self.bots.post(self.bots.ports[1 - self.bots.ports.index(port)], update) == 200
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            replies = self.answers(user)
            if len(replies) > before:
                time.sleep(0.05)  # a second message of the same turn
                return self.answers(user)[-1]
            time.sleep(0.01)
        return None

    def text(self, user: int, text: str, again: bool = False) -> dict | None:
        return self.post(user, self.bots.text(user, text), again)

    def tap(self, user: int, reply: dict | None, code: str, again: bool = False) -> dict | None:
        rows = ((reply or {}).get("reply_markup") or {}).get("inline_keyboard", [])
        data = next((b["callback_data"] for row in rows for b in row
                     if code in (form_code(b["callback_data"]), b["callback_data"])), None)
        return self.post(user, self.bots.button(user, data), again) if data else None

    # actions ------------------------------------------------------------------------------------------------------

    def file(self, user: int) -> None:
        self.filings[user] += 1
        start = period_end(START, 2 * self.filings[user] + user % 7 * 40) + dt.timedelta(days=1)
        reply = self.text(user, "/new")
        if reply is None or "qualité" in reply.get("text", ""):
            reply = self.tap(user, reply, "po")
        reply = self.tap(user, reply, "fwb")
        school = next((b["callback_data"] for row in (reply or {}).get("reply_markup", {}).get("inline_keyboard", [])
                       for b in row), None)
        if school is None:
            return
        reply = self.post(user, self.bots.button(user, school))
        for answer in (NISS[user % len(NISS)], "Dupont", "Marie"):
            reply = self.text(user, answer, again=self.rng.random() < 0.05)
        for code in ("statutory", "skip", "parental", "full"):
            reply = self.tap(user, reply, code)
        reply = self.text(user, start.strftime("%d/%m/%Y"))
        reply = self.tap(user, reply, "m1")
        reply = self.text(user, "20h00")
        reply = self.tap(user, reply, "same")
        reply = self.text(user, dt.date.today().strftime("%d/%m/%Y"))
        reply = self.tap(user, reply, "no")
        reply = self.tap(user, reply, "certified")
        double = self.rng.random() < 0.2
        reply = self.tap(user, reply, "confirm", again=double)
        text = (reply or {}).get("text", "")
        # Only the acknowledgement names the ticket just filed: a confirmation page shown again may name another
        # member's request for the same worker, whose dates the new one now overlaps.
        match = TICKET.search(text) if text.startswith("Accusé de réception") else None
        self.done["confirm (twice)" if double else "confirm"] += 1
        if match:
            with self.guard:
                self.filed[match.group(0)] = user

    def _a_request(self, user: int) -> tuple[str | None, dict | None]:
        reply = self.text(user, "/status")
        tickets = [unpack_ticket(b["callback_data"]) for row in (reply or {}).get("reply_markup", {})
                   .get("inline_keyboard", []) for b in row if b["callback_data"].startswith(SHOW_REQUEST.name)]
        if not tickets:
            return None, None
        ticket = self.rng.choice(tickets)
        return ticket, self.post(user, self.bots.button(user, SHOW_REQUEST.pack(ticket)))

    def modify(self, user: int) -> None:
        ticket, _shown = self._a_request(user)
        if ticket is None:
            return
        reply = self.post(user, self.bots.button(user, MODIFY.pack(ticket)))
        reply = self.tap(user, reply, "edit:rtt")
        reply = self.tap(user, reply, self.rng.choice(["yes", "no"]))
        reply = self.tap(user, reply, "certified")
        reply = self.tap(user, reply, "confirm")
        self.done["modify"] += 1
        if reply and "enregistrées dans l'historique" in reply.get("text", ""):
            with self.guard:
                self.saved.append((ticket, user, "rtt"))

    def cancel(self, user: int) -> None:
        ticket, _shown = self._a_request(user)
        if ticket is None:
            return
        self.post(user, self.bots.button(user, ASK_CANCEL.pack(ticket)))
        self.post(user, self.bots.button(user, CANCEL.pack(ticket)), again=self.rng.random() < 0.2)
        self.done["cancel"] += 1

    def revoke(self, manager: int) -> None:
        reply = self.text(manager, "/members")
        targets = [b["callback_data"] for row in (reply or {}).get("reply_markup", {}).get("inline_keyboard", [])
                   for b in row if b["callback_data"].startswith("revoke?")]
        if not targets:
            return
        member_id = int(self.rng.choice(targets).split(":")[1])
        with session(self.db) as s:
            target = s.get(Member, member_id)
        user = int(target.user_key)
        if user not in self.locks or not self.locks[user].acquire(timeout=5):
            return
        try:
            answer = self.post(manager, self.bots.button(manager, REVOKE.pack(member_id)))
            with session(self.db) as s:
                revoked_at = s.get(Member, member_id).revoked_at
            if answer and revoked_at:
                self.revoked[user].append([revoked_at, None])
                self.done["revoke"] += 1
        finally:
            self.locks[user].release()

    def invite_again(self, user: int, organisation: int) -> None:
        """An invitation made by the command line, opened by the user: enrolled (again), or asked to switch."""
        with session(self.db) as s:
            code, _ = organisation_store.create_invitation(
                s, organisation_store.organisation_by_bce(s, ORGANISATIONS[organisation][0]), ["po-education"])
            s.commit()
        reply = self.text(user, f"/start {code}")
        if reply and JOIN.name in json.dumps(reply.get("reply_markup") or {}):
            reply = self.tap(user, reply, JOIN.pack())
            self.done["switch organisation"] += 1
        with session(self.db) as s:
            member = s.exec(select(Member).where(Member.user_key == str(user))).one()
        with self.guard:
            self.organisations[user].add(member.organisation_id)
            if self.revoked[user] and self.revoked[user][-1][1] is None and member.revoked_at is None:
                self.revoked[user][-1][1] = member.enrolled_at
                self.done["invited again"] += 1

    def onem(self) -> None:
        with session(self.db) as s:
            tickets = s.exec(select(LeaveRequest.ticket).where(LeaveRequest.status.in_(["waiting", "processing"]))
                             ).all()
            if tickets:
                onem.set_status(s, self.rng.choice(tickets), self.rng.choice(["processing", "accepted"]))
                self.done["ONEM status change"] += 1

    def act(self, user: int) -> None:
        with session(self.db) as s:
            member = s.exec(select(Member).where(Member.user_key == str(user))).one()
        if member.revoked_at is not None:
            self.invite_again(user, self.rng.randrange(3))
            return
        choice = self.rng.random()
        if "access-manager" in member.roles and choice < 0.1:
            self.revoke(user)
        elif choice < 0.5:
            self.file(user)
        elif choice < 0.7:
            self.modify(user)
        elif choice < 0.8:
            self.cancel(user)
        elif choice < 0.85:
            self.invite_again(user, self.rng.randrange(3))
        else:
            self.onem()


def unpack_ticket(data: str) -> str:
    return data.split(":", 1)[1]


@pytest.fixture
def world(postgres_url, tmp_path):
    from bot.storage.database import make_engine

    db = make_engine(postgres_url)
    with session(db) as s:
        for bce, name, school in ORGANISATIONS:
            organisation = organisation_store.add_organisation(s, bce, name)
            organisation_store.add_school(s, organisation, school, "fwb", f"École de {name}")
        for index, user in enumerate(USERS):
            roles = ["po-education", "access-manager"] if index % 10 == 0 else ["po-education"]
            code, _ = organisation_store.create_invitation(
                s, organisation_store.organisation_by_bce(s, ORGANISATIONS[index % 3][0]),
                                                   roles)
            organisation_store.enrol(s, "telegram", str(user), code, f"Soak{user}")
        s.commit()
    bots = Bots(postgres_url, tmp_path)
    yield Soak(bots, db)
    bots.close()
    db.dispose()


def test_many_members_doing_anything_at_once_never_break_what_must_hold(world):
    with session(world.db) as s:
        for member in s.exec(select(Member)):
            world.organisations[int(member.user_key)].add(member.organisation_id)
    deadline = time.monotonic() + SECONDS

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            user = rng.choice(USERS)
            if world.locks[user].acquire(blocking=False):
                try:
                    world.act(user)
                finally:
                    world.locks[user].release()

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(worker, range(8)))
    time.sleep(1)

    with session(world.db) as s:
        requests = {r.ticket: r for r in s.exec(select(LeaveRequest))}
        members = {m.id: m for m in s.exec(select(Member))}
        drafts = s.exec(select(Draft).where(Draft.status == "filed")).all()
        events = s.exec(select(RequestEvent).where(RequestEvent.kind == "modified")).all()
    # every confirmed draft filed exactly once, in the organisation it was started for, by its own member
    by_draft = collections.Counter(r.draft_id for r in requests.values())
    assert all(by_draft[draft.id] == 1 for draft in drafts)
    assert all(count == 1 for count in by_draft.values())
    assert set(world.filed) <= set(requests)
    for ticket, user in world.filed.items():
        assert members[requests[ticket].member_id].user_key == str(user)
    for request in requests.values():
        draft = next(d for d in drafts if d.id == request.draft_id)
        assert request.organisation_id == draft.organisation_id
    # nothing of an organisation reaches a chat that never belonged to it
    org_of = {ticket: request.organisation_id for ticket, request in requests.items()}
    for user in USERS:
        for reply in world.bots.api.replies(user):
            for ticket in set(TICKET.findall(reply.get("text", ""))):
                if ticket in org_of:
                    assert org_of[ticket] in world.organisations[user], (user, ticket)
    # no modification reported saved is lost, and each is credited to who made it
    for ticket, user, field in world.saved:
        assert any(e.request_id == requests[ticket].id and field in json.loads(e.changes)
                   and members[e.member_id].user_key == str(user) for e in events), (ticket, user)
    # nothing filed by a member while revoked
    for request in requests.values():
        user = int(members[request.member_id].user_key)
        for revoked_at, back_at in world.revoked[user]:
            assert not (revoked_at <= request.filed_at and (back_at is None or request.filed_at < back_at))
    filed_count = len(requests)
    print(f"\nsoak, {SECONDS:.0f} s: {dict(world.done)}; {filed_count} requests filed, {len(world.saved)} "
          f"modifications saved; every invariant held")
    assert world.done["confirm"] + world.done["confirm (twice)"] > 0 and filed_count > 0
