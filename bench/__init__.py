"""What an intake step, the overview, the export, open dialogs and concurrent chats cost: `bash bench/run.sh`.

One run on one machine prints the tables and writes them, with the machine's description, to `bench/results.md`
(`--quick`: small sizes, written to `bench/results-quick.md`). Targets are compared and printed, never asserted.

- Intake step (`rounds`): full intakes (/new to ticket) through the real `Application` (`intake`), answered by the
  tests' offline Bot API (`tests.fakes`), on a SQLite file with the product's own durability, against a bare
  python-telegram-bot echo fed the same updates, in many short rounds where each goes first in turn; the same on
  a copy of the generated database with thousands of other drafts open (`loaded`), and on PostgreSQL (`postgres`).
- Statements per update (`statements`): what the engine sends its database for each kind of update, counted by
  the tests' probe over a whole intake and a few follow-ups.
- Overview (`overview`): the first page and the total count of the largest organisation (`overview._query`, as
  the screen asks them) in a generated database (`dataset`), p50 and p95; the same on PostgreSQL when one is
  configured (`postgres`).
- Export (`overview`): the CSV of that organisation's requests, all periods, and a bare `csv.writer` writing the
  same rows.
- Memory (`memory`): resident memory of a fresh process (`spawn`) with N dialogs open at different steps, minus
  with none, its updates going through the product's update processor.
- PostgreSQL throughput: one process serving many chats at once through the update queue (`chats`), and two OS
  processes serving full intakes on one database (`postgres`).

The data are generated from a seed (`random.Random`), so two runs build the same database; the SQLite file is
kept in `bench/.data/` keyed by seed, sizes and table definition. PostgreSQL is used when `BENCH_POSTGRES_URL`
(or `BREAKBOT_TEST_DATABASE_URL`) names a database that is empty or was filled by this benchmark. `report` runs
them in turn and writes the report.
"""
