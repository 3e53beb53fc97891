"""The overview's filters (leave, form, status, capacity, period, ticket, NISS): typed in one line in any of our
languages or chosen with buttons, kept per chat; shared by the chat's overview and the Mini App's table."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from bot.dialogs.actions import FILTERS
from bot.domain.answers import parse_date
from bot.domain.errors import Invalid
from bot.domain.identifiers import mask_niss, parse_niss, parse_ticket
from bot.domain.leaves import Capacity, LeaveType, Regime, Status, label
from bot.domain.words import KEY_WORD, RESET_WORD, VALUE_WORD, plain, spellings
from bot.i18n import N_, joined, t

FIELD = {"type": "types", "form": "forms", "status": "statuses", "capacity": "capacities"}
# How a capacity reads as a filter (its label is the intake's "I act as ...").
FILTER_LABEL = {Capacity.PO: N_("as organising authority"), Capacity.OWN: N_("for the organisation's own staff")}


@lru_cache(maxsize=1)
def _typed_words() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """{spelling: key} and {key: {spelling: value code}}, built once from the catalogs."""
    keys = {spelling: key for key, word in KEY_WORD.items() for spelling in spellings(word, key)}
    keys |= {spelling: "reset" for spelling in spellings(RESET_WORD, "reset")}
    values = {key: {spelling: member.value for member in members
                    for spelling in spellings(VALUE_WORD[member], member.value)}
              for key, members in FILTERS.items()}
    return keys, values


def value_word(member) -> object:
    """A filter value as the user's language types it."""
    return t(VALUE_WORD[member])


def value_label(member) -> object:
    return t(FILTER_LABEL[member]) if member in FILTER_LABEL else label(member)


class Filters(BaseModel):
    """The overview's filters, kept per chat (stored as JSON with these keys)."""

    model_config = ConfigDict(populate_by_name=True)

    types: list[LeaveType] = []
    forms: list[Regime] = []
    statuses: list[Status] = []
    capacities: list[Capacity] = []
    period_from: dt.date | None = Field(default=None, alias="from")
    period_to: dt.date | None = Field(default=None, alias="to")
    ticket: str | None = None
    niss: str | None = None
    page: int = Field(default=0, ge=0)

    @classmethod
    def default(cls, today: dt.date, capacities=()) -> Filters:
        """The last two years; in the capacity the member files in first (an organising authority sees what it
        filed for the communities' staff, its own staff being a view of their own), when given."""
        return cls(period_from=years_before(today, 2), capacities=list(capacities)[:1])

    def stored(self) -> dict:
        return self.model_dump(mode="json", by_alias=True)

    def query(self) -> dict:
        return dict(types=[v.value for v in self.types], regimes=[v.value for v in self.forms],
                    statuses=[v.value for v in self.statuses], capacities=[v.value for v in self.capacities],
                    period_from=self.period_from,
                    period_to=self.period_to, ticket=self.ticket, niss=self.niss)

    def described(self) -> dict:
        """For the audit of an export: what was asked, the NISS masked."""
        return {k: v for k, v in self.stored().items() if v and k != "page"} | (
            {"niss": mask_niss(self.niss)} if self.niss else {})


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def parse_filters(text: str, filters: Filters, today: dt.date, default: Filters | None = None) -> Filters:
    """`status=waiting,processing type=parental from=01/09/2024`, or the same in the user's language
    (`statut=attente du=01/09/2024`) → new filters; raises Invalid."""
    filters = filters.model_copy(update={"page": 0})
    keys, values = _typed_words()
    for word in text.split():
        key, sep, value = word.partition("=")
        key = keys.get(plain(key))
        if key == "reset" and not sep:
            filters = default or Filters.default(today)
            continue
        if not sep or not value:
            raise Invalid(N_("I did not understand \"{word}\". Write filters as key=value, for example "
                             "/overview status=waiting type=parental from=01/09/2024."), word=word[:40])
        if key in FILTERS:
            codes = [c.strip() for c in value.split(",") if c.strip()]
            wrong = [c for c in codes if plain(c) not in values[key]]
            if wrong:
                raise Invalid(N_("\"{value}\" is not a {key} I know. Possible values: {allowed}."),
                              value=wrong[0][:30], key=t(KEY_WORD[key]),
                              allowed=joined([value_word(member) for member in FILTERS[key]]))
            chosen = list(dict.fromkeys(values[key][plain(c)] for c in codes))
            filters = filters.model_copy(update={FIELD[key]: [type(FILTERS[key][0])(c) for c in chosen]})
        elif key in ("from", "to"):
            day = None if value.lower() in ("-", "all") else parse_date(value, today)
            filters = filters.model_copy(update={"period_from" if key == "from" else "period_to": day})
        elif key == "ticket":
            filters = filters.model_copy(update={"ticket": parse_ticket(value)})
        elif key == "niss":
            filters = filters.model_copy(update={"niss": parse_niss(value).number})
        else:
            raise Invalid(N_("There is no filter \"{key}\". Filters: {filters}."), key=word.partition("=")[0][:20],
                          filters=joined([t(word) for word in (*KEY_WORD.values(), RESET_WORD)]))
    return filters
