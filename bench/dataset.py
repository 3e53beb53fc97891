"""The generated organisations, schools, members and requests, the same for the same seed, kept as a SQLite file."""
from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, event, insert
from sqlalchemy.schema import CreateIndex, CreateTable
from stdnum.iso7064 import mod_37_36

from bench.sizes import Sizes
from bot.domain.identifiers import TICKET_ALPHABET, format_ticket
from bot.storage.database import make_engine, upgrade
from bot.storage.models import LeaveRequest, Member, Organisation, School

SEED = 20261127
GENERATOR_VERSION = 1
ANCHOR = dt.date(2026, 11, 1)  # "today" of the generated data: four years of filings end here
YEARS = 4


def niss_number(index: int) -> str:
    """A valid NISS (born 1960-1999), different for every index below 14,570,800."""
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=(index * 7919) % 14600)
    serial = 1 + (index // 14600) % 998
    body = f"{birth:%y%m%d}{serial:03d}"
    return f"{body}{97 - int(body) % 97:02d}"


def bce_number(index: int) -> str:
    """A valid enterprise number starting with 1, different for every index."""
    body = 10_000_000 + index
    return f"{body:08d}{97 - body % 97:02d}"




LAST_NAMES = ("Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters",
              "De Smet", "Dubois", "Lambert", "Dupont", "Martin", "Simon", "Laurent", "Leclercq", "Lejeune",
              "Renard", "Mathieu", "Cools", "Hermans", "Aerts", "Michiels", "Smets", "Van den Bossche", "Dumont",
              "Lemaire", "Collin", "Denis", "Schmitz", "Kohnen", "Meyer", "Lenaerts", "Vermeulen", "Pauwels",
              "El Amrani", "Yilmaz", "Nowak", "Rossi")
FIRST_NAMES = ("Marie", "Anne", "Sophie", "Julie", "Sarah", "Laura", "Emma", "Lotte", "Els", "An", "Nathalie",
               "Isabelle", "Véronique", "Fatima", "Ayşe", "Jan", "Pieter", "Luc", "Marc", "Thomas", "Nicolas",
               "Olivier", "Koen", "Bart", "Tom", "Youssef", "Mehmet", "Lukas", "Jonas", "Hélène")
OFFICES = ("Bruxelles", "Liège", "Namur", "Charleroi", "Mons", "Gent", "Antwerpen", "Leuven", "Brugge", "Hasselt",
           "Eupen", "Arlon")
LEAVES = (("parental", 45), ("career", 20), ("carer", 15), ("medical", 12), ("palliative", 8))
REGIMES = {"parental": (("full", 35), ("half", 30), ("fifth", 25), ("tenth", 10)),
           "career": (("full", 40), ("half", 35), ("fifth", 25)),
           "medical": (("full", 45), ("half", 35), ("fifth", 20)),
           "palliative": (("full", 60), ("half", 30), ("fifth", 10)),
           "carer": (("full", 40), ("half", 40), ("fifth", 20))}
HOURS = (1140, 1200, 1320, 1440, 1500, 2280)


def plan_sizes(organisations: int, total: int, largest: int) -> list[int]:
    """Requests per organisation, Zipf-like (size ∝ rank^-a), the first `largest`, summing to `total`."""
    if organisations == 1:
        return [total]

    def total_for(a):
        return sum(largest * k ** -a for k in range(1, organisations + 1))

    low, high = 0.0, 5.0
    for _ in range(80):
        middle = (low + high) / 2
        low, high = (middle, high) if total_for(middle) > total else (low, middle)
    sizes = [largest] + [max(1, min(largest - 1, round(largest * k ** -low))) for k in range(2, organisations + 1)]
    difference, i = total - sum(sizes), 0
    while difference:
        k = 1 + i % (organisations - 1)
        step = 1 if difference > 0 else -1
        if 1 <= sizes[k] + step < largest:
            sizes[k] += step
            difference -= step
        i += 1
    return sizes


def _weighted(rng: random.Random, table):
    total = sum(w for _, w in table)
    x = rng.random() * total
    for value, weight in table:
        x -= weight
        if x < 0:
            return value
    return table[-1][0]


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31,
            30, 31][month - 1]
    return dt.date(year, month, min(day.day, last))


@dataclass
class Dataset:
    """The generated rows: organisations, schools, members, and a generator of requests in filing order."""

    sizes: Sizes
    seed: int
    organisations: list[dict] = field(default_factory=list)
    schools: list[dict] = field(default_factory=list)
    members: list[dict] = field(default_factory=list)
    largest_id: int = 0

    def __post_init__(self):
        rng = random.Random(self.seed)
        sizes = plan_sizes(self.sizes.organisations, self.sizes.requests, self.sizes.largest)
        ids = list(range(1, self.sizes.organisations + 1))
        rng.shuffle(ids)
        self.size_of = dict(zip(ids, sizes))
        self.largest_id = ids[0]
        created = dt.datetime.combine(ANCHOR, dt.time(), dt.UTC) - dt.timedelta(days=365 * YEARS + 30)
        bce, school_id, member_id, niss = itertools.count(), itertools.count(1), itertools.count(1), itertools.count()
        self.school_pool, self.member_pool, self.worker_pool = {}, {}, {}
        for organisation_id in range(1, self.sizes.organisations + 1):
            size = self.size_of[organisation_id]
            self.organisations.append({"id": organisation_id, "bce": bce_number(next(bce)),
                                       "name": f"PO {rng.choice(LAST_NAMES)} {organisation_id}", "demo": False,
                                       "created_at": created})
            schools = []
            for _ in range(min(30, 1 + size // 2000)):
                community = _weighted(rng, (("vl", 50), ("fwb", 45), ("dg", 5)))
                school = {"id": next(school_id), "organisation_id": organisation_id, "bce": bce_number(next(bce)),
                          "community": community, "name": f"École {next(school_id)}"}
                self.schools.append(school)
                schools.append((community, school["bce"]))
            self.school_pool[organisation_id] = schools
            members = []
            for k in range(1 + min(4, size // 5000)):
                member = {"id": next(member_id), "organisation_id": organisation_id, "channel": "telegram",
                          "user_key": f"import-{organisation_id}-{k}", "display_name": f"Gestionnaire {k}",
                          "roles": "po-education", "enrolled_at": created}
                self.members.append(member)
                members.append(member["id"])
            self.member_pool[organisation_id] = members
            workers = []
            for _ in range(max(3, size // 4)):
                last, first = rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES)
                email = f"{first.lower()}.{last.lower().replace(' ', '')}@ecole.be" if rng.random() < 0.3 else None
                workers.append((niss_number(next(niss)), last, first,
                                _weighted(rng, (("statutory", 60), ("contractual", 30), ("temporary", 10))), email))
            self.worker_pool[organisation_id] = workers
        self._rng_state = rng.getstate()

    def requests(self, batch: int = 20_000):
        """Lists of request rows (dicts), oldest filing first: ids grow with the filing date, as in real use."""
        rng = random.Random()
        rng.setstate(self._rng_state)
        owners = [o for o, size in self.size_of.items() for _ in range(size)]
        rng.shuffle(owners)
        end = dt.datetime.combine(ANCHOR, dt.time(), dt.UTC)
        span = dt.timedelta(days=365 * YEARS).total_seconds()
        moments = sorted(rng.random() * span for _ in owners)
        tickets, rows = set(), []
        for number, (organisation_id, seconds) in enumerate(zip(owners, moments), 1):
            filed_at = end - dt.timedelta(seconds=span - seconds)
            filed = filed_at.date()
            age = (ANCHOR - filed).days
            if age < 30:
                status = _weighted(rng, (("waiting", 50), ("processing", 45), ("cancelled", 5)))
            elif age < 90:
                status = _weighted(rng, (("waiting", 10), ("processing", 40), ("accepted", 40), ("refused", 5),
                                         ("cancelled", 5)))
            else:
                status = _weighted(rng, (("accepted", 85), ("refused", 8), ("cancelled", 7)))
            leave = _weighted(rng, LEAVES)
            regime = _weighted(rng, REGIMES[leave])
            niss, last, first, staff, email = rng.choice(self.worker_pool[organisation_id])
            capacity = "po" if rng.random() < 0.9 else "own"
            community, school = rng.choice(self.school_pool[organisation_id]) if capacity == "po" else (None, None)
            start = _add_months(filed.replace(day=1), rng.randint(1, 4))
            end_date = _add_months(start, rng.choice((1, 2, 3, 4, 6, 12))) - dt.timedelta(days=1)
            hours = rng.choice(HOURS)
            while True:
                body = "".join(rng.choice(TICKET_ALPHABET) for _ in range(12))
                if body not in tickets:
                    tickets.add(body)
                    break
            rows.append({"id": number, "ticket": format_ticket(body + mod_37_36.calc_check_digit(body)),
                         "organisation_id": organisation_id, "member_id": rng.choice(self.member_pool[organisation_id]),
                         "draft_id": None, "version": 0, "capacity": capacity, "community": community,
                         "school_bce": school,
                         "niss": niss, "last_name": last, "first_name": first, "staff_status": staff,
                         "email": email, "leave_type": leave, "regime": regime, "start_date": start,
                         "end_date": end_date, "hours_before": hours,
                         "fulltime_hours": hours if regime == "full" or rng.random() < 0.5 else 2280,
                         "notice_date": filed - dt.timedelta(days=rng.randint(0, 20)), "rtt": rng.random() < 0.3,
                         "employer_agreement": True if regime == "tenth" else None,
                         "confirmation_email": email is not None and rng.random() < 0.5, "status": status,
                         "office": None if status == "waiting" else rng.choice(OFFICES), "filed_at": filed_at})
            if len(rows) == batch:
                yield rows
                rows = []
        if rows:
            yield rows


def _schema_fingerprint() -> str:
    text = ""
    for model in (Organisation, School, Member, LeaveRequest):
        table = model.__table__
        text += str(CreateTable(table)) + "".join(str(CreateIndex(i)) for i in sorted(table.indexes, key=str))
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def dataset_key(sizes: Sizes, seed: int) -> str:
    return (f"s{seed}-o{sizes.organisations}-r{sizes.requests}-l{sizes.largest}-g{GENERATOR_VERSION}-"
            f"{_schema_fingerprint()}")


def _insert_all(connection, data: Dataset) -> None:
    connection.execute(insert(Organisation.__table__), data.organisations)
    connection.execute(insert(School.__table__), data.schools)
    connection.execute(insert(Member.__table__), data.members)
    for rows in data.requests():
        connection.execute(insert(LeaveRequest.__table__), rows)


def sqlite_dataset(sizes: Sizes, seed: int, data_dir: Path) -> tuple[Path, Dataset, float | None]:
    """The generated database as a SQLite file, built once per key; returns (path, data, seconds to build)."""
    data = Dataset(sizes, seed)
    path = data_dir / f"overview-{dataset_key(sizes, seed)}.sqlite3"
    if path.exists():
        as_the_bot_opens_it(path)
        return path, data, None
    data_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    building = path.with_suffix(".building")
    building.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{building}")

    @event.listens_for(engine, "connect")
    def _fast(dbapi_connection, _record):  # a throwaway file while it is built: no journal, no syncs
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=OFF")
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()

    upgrade(engine)  # the schema as the bot makes it, so that opening it later finds it at the newest revision
    with engine.begin() as connection:
        _insert_all(connection, data)
    engine.dispose()
    seconds = time.perf_counter() - started
    path.with_suffix(".json").write_text(json.dumps({"built_in_seconds": round(seconds, 1)}))
    building.rename(path)
    as_the_bot_opens_it(path)
    return path, data, seconds


def as_the_bot_opens_it(path: Path) -> None:
    """The schema at the newest migration and fresh statistics, as `breakbot run` leaves its database at start."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()


def first_build_seconds(path: Path) -> float | None:
    """How long the cached database took to build when it was made."""
    try:
        return json.loads(path.with_suffix(".json").read_text())["built_in_seconds"]
    except (OSError, ValueError, KeyError):
        return None

