"""`python -m bot` is the `breakbot` command."""
import sys

from bot.cli import main

sys.exit(main())
