"""The use cases (bot/usecases/) on their own, as every channel calls them: each refuses a member whose roles do not
allow it, and leaves its audit line in the caller's transaction."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from bot.domain.roles import Permission
from bot.export import Exports
from bot.presentation.filters import Filters
from bot.storage import organisation_store
from bot.storage.database import session
from bot.storage.models import AuditEntry, Invitation
from bot.storage.turns import Actor
from bot.usecases import organisations
from bot.usecases import requests as cases
from tests.conftest import ORG_BCE, enrol

NOW = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)


def actor(db, user_id: int, roles) -> Actor:
    enrol(db, user_id, roles=roles)
    with session(db) as s:
        member = organisation_store.member_for(s, "telegram", str(user_id))
        return Actor.of(member, organisation_store.organisation_of(s, member.organisation_id))


def audited(db) -> list[str]:
    with session(db) as s:
        return [entry.action for entry in s.exec(select(AuditEntry).order_by(AuditEntry.id))]


FIELDS = dict(capacity="po", community="fwb", school_bce="0876543270", niss="85031412302", last_name="Dupont",
              first_name="Marie", staff_status="statutory", leave_type="parental", regime="full",
              start_date=dt.date(2027, 1, 4), end_date=dt.date(2027, 2, 3), confirmation_email=False)


@pytest.mark.parametrize("call, permission", [
    (lambda s, m: cases.export(s, m, Filters(), "fr", Exports(0), NOW.date()), Permission.EXPORT),
    (lambda s, m: cases.consult(s, m, "ABCD-EFGH-JKLM"), Permission.FOLLOW),
    (lambda s, m: organisations.invite(s, m, ["po-education"], NOW), Permission.INVITE),
    (lambda s, m: organisations.revoke(s, m, 1, NOW), Permission.REVOKE),
    (lambda s, m: organisations.cancel_invitation(s, m, 1, NOW), Permission.INVITE),
    (lambda s, m: cases.file(s.connection(), s, m, 1, FIELDS, NOW), Permission.FILE),
])
def test_a_use_case_refuses_what_the_roles_do_not_allow(organisations_db, call, permission):
    """An access manager only manages access: no request; a career-break member does not manage access."""
    roles = ("access-manager",) if permission in (Permission.EXPORT, Permission.FOLLOW, Permission.FILE) \
        else ("po-education",)
    member = actor(organisations_db, 77, roles)
    with session(organisations_db) as s:
        with pytest.raises(cases.NotAllowed) as refused:
            call(s, member)
        assert refused.value.permission == permission
    assert audited(organisations_db) == []


def test_filing_in_a_capacity_the_roles_do_not_give_is_refused(organisations_db):
    member = actor(organisations_db, 78, ("employer",))  # own staff only, not the schools' staff
    with session(organisations_db) as s:
        with pytest.raises(cases.NotAllowed):
            cases.file(s.connection(), s, member, 1, FIELDS, NOW)


def test_inviting_and_cancelling_are_audited_and_the_invitation_is_the_organisations(organisations_db):
    member = actor(organisations_db, 79, ("access-manager",))
    with session(organisations_db) as s:
        code, invitation = organisations.invite(s, member, ["po-education"], NOW)
        assert invitation.organisation_id == member.organisation_id and invitation.created_by == member.id
        assert organisations.cancel_invitation(s, member, invitation.id, NOW)
        s.commit()
    assert audited(organisations_db) == ["invited", "invitation cancelled"]


def test_joining_another_organisation_cancels_the_invitations_made_here(organisations_db):
    member = actor(organisations_db, 80, ("access-manager",))
    with session(organisations_db) as s:
        organisations.invite(s, member, ["po-education"], NOW)
        other = organisation_store.add_organisation(s, "0207505078", "PO W")
        _code, elsewhere = organisation_store.create_invitation(s, other, ["po-education"], now=NOW)
        organisations.join(s, "telegram", "80", elsewhere, "Ann", NOW, member=member)
        s.commit()
        made_here = s.exec(select(Invitation).where(Invitation.created_by == member.id)).all()
    assert [i.cancelled_at is not None for i in made_here] == [True]
    assert "left" in audited(organisations_db)


@pytest.fixture
def organisations_db(organisations):
    with session(organisations) as s:
        assert organisation_store.organisation_by_bce(s, ORG_BCE) is not None
    return organisations


def test_the_records_words_are_enumerations_and_no_other_word_is_stored(organisations_db):
    """Statuses, event kinds, audit actions and roles come back as their enumerations; a word that is none of them
    is refused before the database sees it."""
    from sqlalchemy.exc import StatementError

    from bot.domain.records import AuditAction
    from bot.domain.roles import Role

    member = actor(organisations_db, 81, ("access-manager", "po-education"))
    with session(organisations_db) as s:
        organisations.invite(s, member, ["employer"], NOW)
        s.commit()
        [entry] = s.exec(select(AuditEntry)).all()
        stored = organisation_store.member_for(s, "telegram", "81")
        assert entry.action is AuditAction.INVITED
        assert stored.roles == {Role.ACCESS_MANAGER, Role.PO_EDUCATION}
        raw = s.connection().exec_driver_sql("SELECT roles FROM member WHERE id = ?" if s.bind.dialect.name ==
                                             "sqlite" else "SELECT roles FROM member WHERE id = %s",
                                             (stored.id,)).scalar()
        assert raw == "po-education,access-manager"
        s.add(AuditEntry(organisation_id=member.organisation_id, member_id=member.id, action="peeked"))
        with pytest.raises(StatementError):
            s.flush()
