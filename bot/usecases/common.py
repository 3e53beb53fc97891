"""The refusals a use case raises; each channel words them."""
from __future__ import annotations

from bot.domain.roles import Permission


class NotAllowed(Exception):
    """The member's roles do not allow this."""

    def __init__(self, permission: Permission):
        super().__init__(permission)
        self.permission = permission


class TooLate(Exception):
    """ONEM has decided (or the request is cancelled): the organisation can no longer change it."""

    def __init__(self, request):
        super().__init__(request.ticket)
        self.request = request


class Unacceptable(Exception):
    """What was sent cannot be taken as it is; `message` says why, in the user's words (a translatable text)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class Busy(Exception):
    """The same thing is being done for this member, or was a moment ago: try again in `seconds`."""

    def __init__(self, seconds: int):
        super().__init__(seconds)
        self.seconds = seconds


def needs(member, permission: Permission) -> None:
    if not member.may(permission):
        raise NotAllowed(permission)
