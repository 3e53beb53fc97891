"""Column types for the enumerations (bot/domain/): stored as their value in a plain text column, read back as the
enumeration, and a word that is not one of them is refused before it reaches the database."""
from __future__ import annotations

from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

from bot.domain.roles import Role, roles_of, roles_text


class Word(TypeDecorator):
    """One value of `enum` (a StrEnum)."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int):
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value, dialect):
        return None if value is None else self.enum(value).value

    def process_result_value(self, value, dialect):
        return None if value is None else self.enum(value)


class Roles(TypeDecorator):
    """A set of roles, stored as their values separated by commas."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        roles = roles_of(value) if isinstance(value, str) else frozenset(Role(r) for r in value)
        return roles_text(roles)

    def process_result_value(self, value, dialect):
        return None if value is None else roles_of(value)
