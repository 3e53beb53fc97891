"""What an intake step, the overview, the export, open dialogs and two processes cost: `bash bench/run.sh`.

One run on one machine prints a table and writes it, with the machine's description, to `bench/results.md`
(`--quick`: small sizes, written to `bench/results-quick.md`). Targets are compared and printed, never asserted.

- Intake step (`intake`): full intakes (/new to ticket) through the real `Application`, answered by the tests'
  offline Bot API (`tests.fakes`), on a SQLite file with durable writes (WAL, synchronous=FULL), divided by their
  updates; next to a bare python-telegram-bot echo handler fed the same updates in the same run, rounds interleaved.
- Overview (`overview`): the first page and the total count of the largest organisation (`overview._query`, as
  the screen asks them) in a generated database (`dataset`), p50 and p95; the same on PostgreSQL when one is
  configured (`postgres`).
- Export (`overview`): the CSV of that organisation's requests, all periods.
- Memory (`memory`): resident memory of a fresh process with N dialogs open at different steps, minus with none.
- Two processes (`postgres`): updates per second of two OS processes serving full intakes on one PostgreSQL
  database.

The data are generated from a seed (`random.Random`), so two runs build the same database; the SQLite file is
kept in `bench/.data/` keyed by seed, sizes and table definition. PostgreSQL is used when `BENCH_POSTGRES_URL`
(or `BREAKBOT_TEST_DATABASE_URL`) names a database that is empty or was filled by this benchmark. `report` runs
them in turn and writes the report.
"""
