"""Serving the Mini App beside the bot: uvicorn in a thread of the bot's process, on the bot's database."""
from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlsplit

from bot.webapp.server import WebOptions, create_app

log = logging.getLogger(__name__)
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def url_problem(url: str) -> str | None:
    """Why WEBAPP_URL cannot be offered to Telegram, or None: https only, plain http for this machine alone."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname in LOCAL_HOSTS:
        return None
    return (f"WEBAPP_URL must be the Mini App's public https address (https://bot.example.be/), not {url!r}; "
            f"plain http is accepted only for 127.0.0.1 and localhost.")


class WebServer:
    """uvicorn on its own thread and event loop; `port` is the one bound (useful when asked for port 0)."""

    def __init__(self, options: WebOptions, host: str, port: int, mini_app: bool = True):
        import uvicorn

        config = uvicorn.Config(create_app(options, mini_app), host=host, port=port, log_level="warning",
                                access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, name="webapp", daemon=True)
        self.host = host

    def _run(self) -> None:
        try:
            self.server.run()
        except SystemExit:  # uvicorn's way of saying it could not listen (logged): start() says it to its caller
            pass

    def start(self, timeout: float = 10.0) -> WebServer:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the Mini App's server did not start on {self.host}")
            time.sleep(0.02)
        return self

    @property
    def port(self) -> int:
        return self.server.servers[0].sockets[0].getsockname()[1]

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


def serve_watched(options: WebOptions, host: str, port: int) -> WebServer | None:
    """The bot process without WEBAPP_URL serves only /healthz and /metrics; a port already taken (another process
    of the bot on this machine) is said in the log and the bot runs on without them."""
    try:
        return WebServer(options, host, port, mini_app=False).start()
    except (RuntimeError, OSError, SystemExit):
        log.warning("/healthz and /metrics are not served: %s:%s cannot be listened on (taken?); give this process "
                    "its own WEBAPP_PORT", host, port)
        return None
