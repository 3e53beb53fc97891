"""The demo organisation the terminal chat sets up on first use, so a newcomer can file at once."""
from __future__ import annotations

from sqlmodel import Session

from bot.storage import repository

DEMO_BCE = "0234567873"
DEMO_NAME = "DEMO – PO Exemple (données fictives)"
DEMO_SCHOOLS = [("0876543270", "fwb", "École A (démo)"), ("1020304002", "vl", "School B (demo)"),
                ("0555055576", "dg", "Schule C (Demo)")]


def seed_and_enrol(session: Session, channel: str, user_key: str) -> None:
    """Create the demo organisation once and enrol this terminal user in it with every role: both capacities, and
    access manager so that /schools, /invite and /members can be tried too."""
    if repository.member_for(session, channel, user_key) is not None:
        return
    organisation = repository.organisation_by_bce(session, DEMO_BCE)
    if organisation is None:
        organisation = repository.add_organisation(session, DEMO_BCE, DEMO_NAME, demo=True)
        repository.set_employer(session, organisation, "public")  # a municipality's schools: its own staff too
        for bce, community, name in DEMO_SCHOOLS:
            repository.add_school(session, organisation, bce, community, name)
    code, _ = repository.create_invitation(session, organisation, ["po-education", "employer", "access-manager"])
    repository.enrol(session, channel, user_key, code, display_name=user_key)
    session.commit()
