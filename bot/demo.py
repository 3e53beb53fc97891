"""The demo organisation the terminal chat sets up on first use, so a newcomer can file at once."""
from __future__ import annotations

from sqlmodel import Session

from bot.storage import organisation_store

DEMO_BCE = "0234567873"
DEMO_NAME = "DEMO – PO Exemple (données fictives)"
DEMO_SCHOOLS = [("0876543270", "fwb", "École A (démo)"), ("1020304002", "vl", "School B (demo)"),
                ("0555055576", "dg", "Schule C (Demo)")]


def seed_and_enrol(session: Session, channel: str, user_key: str) -> None:
    """Create the demo organisation once and enrol this terminal user in it with every role: both capacities, and
    access manager so that /schools, /invite and /members can be tried too."""
    if organisation_store.member_for(session, channel, user_key) is not None:
        return
    organisation = organisation_store.organisation_by_bce(session, DEMO_BCE)
    if organisation is None:
        organisation = organisation_store.add_organisation(session, DEMO_BCE, DEMO_NAME, demo=True)
        organisation_store.set_employer(session, organisation, "public")  # a municipality's schools: its own staff too
        for bce, community, name in DEMO_SCHOOLS:
            organisation_store.add_school(session, organisation, bce, community, name)
    code, _ = organisation_store.create_invitation(session, organisation,
                                                   ["po-education", "employer", "access-manager"])
    organisation_store.enrol(session, channel, user_key, code, display_name=user_key)
    session.commit()
