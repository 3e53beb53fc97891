"""Roles an access manager gives, and the role matrix: which role may do what. Data, no I/O."""
from __future__ import annotations

from enum import StrEnum

from bot.domain.leaves import Capacity
from bot.i18n import N_


class Role(StrEnum):
    PO_EDUCATION = "po-education"  # "Career break – organising authority for the education sector"
    EMPLOYER = "employer"  # "Career break": files for the organisation's own staff
    ACCESS_MANAGER = "access-manager"


class Permission(StrEnum):
    FILE = "file"  # start and file a new request
    FOLLOW = "follow"  # see the organisation's requests, their history and documents, the NISS masked
    READ_NISS = "read-niss"  # see a worker's NISS in full on a request
    MODIFY = "modify"
    CANCEL = "cancel"
    EXPORT = "export"  # the CSV of the overview, with full NISS
    ATTACH = "attach"  # send a document for a request
    INVITE = "invite"  # make and cancel invitations
    REVOKE = "revoke"  # take a member's access away
    MANAGE_SCHOOLS = "manage-schools"
    MAIL_WORKER = "mail-worker"  # send the worker, again, the e-mail with their next step


# The role matrix: who may do what. The two career-break roles work with requests; the access manager manages
# who may (members, invitations, schools) and, alone, sees no request: it is not a role that files.
FILER = frozenset({Permission.FILE, Permission.FOLLOW, Permission.READ_NISS, Permission.MODIFY, Permission.CANCEL,
                   Permission.EXPORT, Permission.ATTACH, Permission.MAIL_WORKER})
MATRIX: dict[Role, frozenset[Permission]] = {
    Role.PO_EDUCATION: FILER,
    Role.EMPLOYER: FILER,
    Role.ACCESS_MANAGER: frozenset({Permission.INVITE, Permission.REVOKE, Permission.MANAGE_SCHOOLS}),
}

# What a member is told when their roles do not allow a permission.
REFUSAL: dict[Permission, str] = {
    Permission.FILE: N_("Your roles do not allow you to file requests. Ask your access manager for the role "
                        "\"career break - organising authority for education\" or \"career break\"."),
    Permission.INVITE: N_("Only an access manager of your organisation can do this."),
    Permission.REVOKE: N_("Only an access manager of your organisation can do this."),
    Permission.MANAGE_SCHOOLS: N_("Only an access manager of your organisation can do this."),
}
NOT_ALLOWED = N_("Your roles do not allow this. Ask your organisation's access manager.")

ROLE_LABEL = {Role.PO_EDUCATION: N_("organising authority for education"),
              Role.EMPLOYER: N_("employer (own staff)"),
              Role.ACCESS_MANAGER: N_("access manager")}


def roles_of(text: str) -> frozenset[Role]:
    """The roles stored as a comma-separated list; unknown words are ignored."""
    return frozenset(Role(r) for r in text.split(",") if r in Role._value2member_map_)


def roles_text(roles) -> str:
    """Roles as they are stored: their values, in the order Role declares them, separated by commas."""
    return ",".join(role.value for role in Role if role in roles)


def allows(roles: frozenset[str], permission: Permission) -> bool:
    """Whether any of these roles gives the permission."""
    return any(permission in MATRIX.get(role, ()) for role in roles)


def refusal(permission: Permission) -> str:
    return REFUSAL.get(permission, NOT_ALLOWED)


def roles_capacities(roles: frozenset[str]) -> list[Capacity]:
    """The capacities a member may act in, from their roles: organising authority for the schools' staff, and on
    behalf of the organisation for its own."""
    return ([Capacity.PO] if Role.PO_EDUCATION in roles else []) + ([Capacity.OWN] if Role.EMPLOYER in roles else [])
