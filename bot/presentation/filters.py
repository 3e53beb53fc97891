"""The overview's filters (leave, form, status, capacity, period, ticket, NISS): typed in one line in any of our
languages or chosen with buttons, kept per chat; shared by the chat's overview and the Mini App's table."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from bot.domain.answers import parse_date
from bot.domain.errors import Invalid
from bot.domain.identifiers import mask_niss, parse_niss, parse_ticket
from bot.domain.leaves import Capacity, LeaveType, Regime, Status, label
from bot.domain.words import KEY_WORD, RESET_WORD, VALUE_WORD, plain, spellings, words_of
from bot.i18n import LANGUAGES, N_, joined, render, t

# What the overview filters on, and the values of each (the chat's buttons and the table's menus list them).
FILTERS = {"type": tuple(LeaveType), "form": tuple(Regime), "status": tuple(Status), "capacity": tuple(Capacity)}
FIELD = {"type": "types", "form": "forms", "status": "statuses", "capacity": "capacities"}
# How a capacity reads as a filter (its label is the intake's "I act as ...").
FILTER_LABEL = {Capacity.PO: N_("as organising authority"), Capacity.OWN: N_("for the organisation's own staff")}


@lru_cache(maxsize=1)
def _typed_words() -> tuple[dict[str, str], dict[str, list[tuple[object, set[str], list[tuple[str, ...]]]]]]:
    """{spelling: key}, and for each key its values with their short words (in every language, and the English
    code) and the words of what the lists show for them (their labels, in every language); built once."""
    keys = {spelling: key for key, word in KEY_WORD.items() for spelling in spellings(word, key)}
    keys |= {spelling: "reset" for spelling in spellings(RESET_WORD, "reset")}
    values = {key: [(member, spellings(VALUE_WORD[member], member.value),
                     [words_of(render(value_label(member), lang)) for lang in LANGUAGES]
                     + [words_of(render(label(member), lang)) for lang in LANGUAGES])
                    for member in members]
              for key, members in FILTERS.items()}
    return keys, values


def _matching(typed: str, values: list) -> list:
    """The values a typed value names: its short word or code, else every one whose shown label (in any language)
    has a word beginning with each typed word ("en attente", "halftijds", "Eltern")."""
    exact = [member for member, short, _labels in values if plain(typed) in short]
    if exact:
        return exact
    wanted = words_of(typed)
    if not wanted:
        return []
    return [member for member, _short, labels in values
            if any(all(any(word.startswith(w) for word in shown) for w in wanted) for shown in labels)]


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
    name: str | None = None  # the beginning of a last or first name, or both in either order
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
                    period_to=self.period_to, ticket=self.ticket, niss=self.niss, name=self.name)

    def described(self) -> dict:
        """For the audit of an export: what was asked, the NISS masked."""
        return {k: v for k, v in self.stored().items() if v and k != "page"} | (
            {"niss": mask_niss(self.niss)} if self.niss else {})


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _pairs(text: str) -> list[tuple[str, str | None]]:
    """The typed line as (key, value) pairs: a word without "=" continues the value before it ("statut=en attente"),
    or stands alone (None) when no value is open."""
    pairs: list[list] = []
    for word in text.split():
        key, sep, value = word.partition("=")
        if sep:
            pairs.append([key, value])
        elif pairs and pairs[-1][1] is not None and pairs[-1][1] != "":
            pairs[-1][1] += " " + word
        else:
            pairs.append([word, None])
    return [(key, value) for key, value in pairs]


def parse_filters(text: str, filters: Filters, today: dt.date, default: Filters | None = None) -> Filters:
    """`status=waiting,processing type=parental from=01/09/2024`, or the same in the user's language with any word
    of what the lists show (`statut=en attente du=01/09/2024`, `vorm=halftijds`, `nom=Dubois`) → new filters;
    raises Invalid."""
    filters = filters.model_copy(update={"page": 0})
    keys, values = _typed_words()
    for typed_key, value in _pairs(text):
        key = keys.get(plain(typed_key))
        if key == "reset" and value is None:
            filters = default or Filters.default(today)
            continue
        if not value:
            raise Invalid(N_("I did not understand \"{word}\". Write filters as key=value, for example "
                             "/overview status=waiting type=parental from=01/09/2024."), word=typed_key[:40])
        if key in FILTERS:
            chosen = []
            for typed in (c.strip() for c in value.split(",")):
                if not typed:
                    continue
                found = _matching(typed, values[key])
                if len(found) != 1:
                    allowed = found or FILTERS[key]
                    raise Invalid(N_("\"{value}\" is not a {key} I know. Possible values: {allowed}.") if not found
                                  else N_("\"{value}\" fits more than one {key}: {allowed}. Type more of it."),
                                  value=typed[:30], key=t(KEY_WORD[key]),
                                  allowed=joined([value_word(member) for member in allowed]))
                chosen.append(found[0])
            filters = filters.model_copy(update={FIELD[key]: list(dict.fromkeys(chosen))})
        elif key in ("from", "to"):
            day = None if value.lower() in ("-", "all") else parse_date(value, today)
            filters = filters.model_copy(update={"period_from" if key == "from" else "period_to": day})
        elif key == "ticket":
            filters = filters.model_copy(update={"ticket": parse_ticket(value)})
        elif key == "niss":
            filters = filters.model_copy(update={"niss": parse_niss(value).number})
        elif key == "name":
            name = " ".join("".join(ch for ch in value if ch.isalnum() or ch in " -'").split())[:60]
            filters = filters.model_copy(update={"name": name or None})
        else:
            raise Invalid(N_("There is no filter \"{key}\". Filters: {filters}."), key=typed_key[:20],
                          filters=joined([t(word) for word in (*KEY_WORD.values(), RESET_WORD)]))
    return filters
