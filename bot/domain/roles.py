"""Roles an access manager gives, and the role matrix: which role may do what. Data, no I/O."""
from __future__ import annotations

from enum import StrEnum

from bot.i18n import N_


class Role(StrEnum):
    PO_EDUCATION = "po-education"  # "Career break – organising authority for the education sector"
    EMPLOYER = "employer"  # "Career break": files for the organisation's own staff
    ACCESS_MANAGER = "access-manager"


class Permission(StrEnum):
    FILE = "file"  # start a new request
    FOLLOW = "follow"  # see the organisation's requests, their history and documents
    MODIFY = "modify"
    CANCEL = "cancel"
    EXPORT = "export"  # the CSV of the overview, with full NISS
    ATTACH = "attach"
    INVITE = "invite"
    REVOKE = "revoke"


ANY_ROLE = frozenset(Role)
# Who may do what. Any enrolled member follows, modifies, cancels, exports and attaches (as until now); filing
# needs a role that files; members are managed by access managers.
MATRIX: dict[Permission, frozenset[Role]] = {
    Permission.FILE: frozenset({Role.PO_EDUCATION, Role.EMPLOYER}),
    Permission.FOLLOW: ANY_ROLE,
    Permission.MODIFY: ANY_ROLE,
    Permission.CANCEL: ANY_ROLE,
    Permission.EXPORT: ANY_ROLE,
    Permission.ATTACH: ANY_ROLE,
    Permission.INVITE: frozenset({Role.ACCESS_MANAGER}),
    Permission.REVOKE: frozenset({Role.ACCESS_MANAGER}),
}

# What a member is told when their roles do not allow a permission.
REFUSAL: dict[Permission, str] = {
    Permission.FILE: N_("Your roles do not allow you to file requests. Ask your access manager for the role "
                        "\"career break - organising authority for education\" or \"career break\"."),
    Permission.INVITE: N_("Only an access manager of your organisation can do this."),
    Permission.REVOKE: N_("Only an access manager of your organisation can do this."),
}
NOT_ALLOWED = N_("Your roles do not allow this. Ask your organisation's access manager.")

ROLE_LABEL = {Role.PO_EDUCATION: N_("organising authority for education"),
              Role.EMPLOYER: N_("employer (own staff)"),
              Role.ACCESS_MANAGER: N_("access manager")}


def roles_of(text: str) -> frozenset[Role]:
    """The roles stored as a comma-separated list; unknown words are ignored."""
    return frozenset(Role(r) for r in text.split(",") if r in Role._value2member_map_)


def allows(roles: frozenset[str], permission: Permission) -> bool:
    return not roles.isdisjoint(MATRIX[permission])


def refusal(permission: Permission) -> str:
    return REFUSAL.get(permission, NOT_ALLOWED)
