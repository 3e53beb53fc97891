"""Logging that never writes a national number: NISS-like digit runs are masked in every record."""
from __future__ import annotations

import logging
import re

# 11 digits, with or without the usual separators (85.03.14-123.02, 850314/123-02, 85031412302).
NISS_LIKE = re.compile(r"(?<!\d)\d{2}[.\s]?\d{2}[.\s]?\d{2}[-/\s]?\d{3}[.\s]?\d{2}(?!\d)")


def mask(text: str) -> str:
    return NISS_LIKE.sub("[NISS]", text)


class MaskNiss(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def configure(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(MaskNiss())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL, which holds the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # transitions logs every state change at INFO: noise, and work on every update.
    logging.getLogger("transitions").setLevel(logging.WARNING)
