"""How much each measurement does: the full run, and the quick one that checks the benchmark still runs."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    organisations: int
    requests: int
    largest: int
    intakes_per_round: int
    rounds: int
    query_runs: int
    export_runs: int
    dialogs: int
    pg_seconds: float
    chats: int  # chats at once in one process on PostgreSQL
    users: int = 100_000  # distinct users who each send one update (memory against users), against 1,000
    # A week of processed updates in the loaded copy (the prune keeps seven days): a million is 1.7 a second.
    week_updates: int = 1_000_000


# Many short rounds rather than a few long ones: on a shared machine the echo alone varies by half between runs,
# and a ratio is only fair when both sides of it met the same moment.
FULL = Sizes(organisations=2000, requests=1_000_000, largest=50_000, intakes_per_round=3, rounds=20,
             query_runs=200, export_runs=3, dialogs=10_000, pg_seconds=10.0, chats=20)
QUICK = Sizes(organisations=20, requests=20_000, largest=2_000, intakes_per_round=1, rounds=4,
              query_runs=30, export_runs=1, dialogs=300, pg_seconds=2.0, chats=5, users=3_000, week_updates=20_000)
