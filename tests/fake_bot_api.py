"""A local stand-in for the Telegram Bot API over HTTP, for tests that run the bot as real processes."""
from __future__ import annotations

import http.server
import itertools
import json
import threading
import time
import urllib.parse

from tests.fakes import offline_answer


class FakeBotApi:
    """Answers every Bot API method a running bot uses and records the calls, per chat."""

    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        self._ids = itertools.count(1000)
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace")
                method = self.path.rsplit("/", 1)[-1]
                params = api._params(self.headers.get("Content-Type", ""), body)
                with api.lock:
                    api.calls.append((method, params))
                payload = json.dumps({"ok": True, "result": offline_answer(method, params, api._ids)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            # The bots send replies for many chats at once: a backlog of 5 (the default) would refuse some of them,
            # which Telegram's servers never do.
            request_queue_size = 256

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        self.base_url = f"http://127.0.0.1:{self.port}/bot"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def _params(content_type: str, body: str) -> dict:
        if "json" in content_type:
            return json.loads(body or "{}")
        params = {}
        for key, values in urllib.parse.parse_qs(body).items():
            value = values[0]
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        return params

    def replies(self, chat_id: int) -> list[dict]:
        with self.lock:
            return [p for m, p in self.calls if m in ("sendMessage", "editMessageText")
                    and int(p.get("chat_id", 0)) == chat_id]

    def wait_for_replies(self, chat_id: int, count: int, timeout: float = 20.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies = self.replies(chat_id)
            if len(replies) >= count:
                return replies
            time.sleep(0.01)
        raise AssertionError(f"chat {chat_id}: {len(self.replies(chat_id))} replies, expected {count}")

    def close(self):
        self.server.shutdown()
