"""`python -m bench [--quick]` from the repository's root, as `bash bench/run.sh` runs it."""
from __future__ import annotations

import argparse
import sys

from bench.report import main

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="bash bench/run.sh", description="Measure the bot and write "
                                     "bench/results.md (targets are printed, never asserted).")
    parser.add_argument("--quick", action="store_true", help="small sizes, written to bench/results-quick.md")
    sys.exit(main(quick=parser.parse_args().quick))
