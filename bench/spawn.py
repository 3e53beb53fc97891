"""A measurement in a fresh process (spawned, not forked): nothing the parent imported or allocated is counted."""
from __future__ import annotations

import multiprocessing


def in_process(target, *args, timeout: float = 3600):
    """Run `target(*args, sender)` in a fresh process and return what it sends."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=target, args=(*args, sender))
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise RuntimeError(f"{target.__name__} gave no answer within {timeout:.0f} s")
        return receiver.recv()
    except EOFError:
        raise RuntimeError(f"{target.__name__} ended without an answer (exit code {process.exitcode})") from None
    finally:
        process.join(timeout=30)
