"""Telegram without a network, shared by the tests and the benchmark: one offline Bot API, one set of updates."""
from __future__ import annotations

import datetime as dt
import itertools
import json
from urllib.parse import urlencode

from sqlalchemy import event
from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot.core.actions import unpack
from bot.fsm.forms import FORM_DO, FORM_EDIT, FORM_GROUP, FORM_MOVE, FORM_PICK

BOT_USER = {"id": 999000, "is_bot": True, "first_name": "Breakbot", "username": "breakbot_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}
# Valid enterprise numbers of an organisation and its schools in FWB and VL (the generated ones of the benchmark
# start with 1 and cannot collide with them).
ORG_BCE, SCHOOL_FWB, SCHOOL_VL = "0234567873", "0876543270", "1020304002"


def offline_answer(name: str, params: dict, ids) -> dict | bool:
    """What Telegram would answer to a Bot API call, enough for a bot to go on; `ids` numbers new messages."""
    if name == "getMe":
        return BOT_USER
    if name == "sendDocument":
        return {"message_id": next(ids), "date": 0, "chat": {"id": params.get("chat_id", 1), "type": "private"},
                "from": BOT_USER, "document": {"file_id": f"sent{next(ids)}", "file_unique_id": "s"}}
    if name in ("sendMessage", "editMessageText"):
        result = {"message_id": params.get("message_id") or next(ids), "date": 0,
                  "chat": {"id": params.get("chat_id", 1), "type": "private"}, "text": params.get("text", ""),
                  "from": BOT_USER}
        if "reply_markup" in params:
            result["reply_markup"] = params["reply_markup"]
        return result
    return True


class RecordingRequest(BaseRequest):
    """Answers the Bot API like Telegram would, without a network, and records the calls.

    Tests keep every call in `calls`, as (method, parameters). The benchmark passes keep_calls=False, because a
    list of every call would grow the process it measures: `count` still counts them, and with watch_keyboard the
    last inline keyboard is remembered (`keyboard`: its callback data; `keyboard_message`: the message carrying it).
    """

    def __init__(self, keep_calls: bool = True, watch_keyboard: bool = False, encode: bool = False):
        self.keep_calls, self.watch_keyboard = keep_calls, watch_keyboard
        self.encode = encode  # encode each call's parameters as the real HTTP client posts them (the benchmark)
        self.calls: list[tuple[str, dict]] = []
        self.count = 0
        self.keyboard: list[str] = []
        self.keyboard_message = 1
        self.files: dict[str, bytes] = {}  # what users "uploaded": file_id -> bytes
        self.refused: dict[str, str] = {}  # method -> the error Telegram answers it with (400 Bad Request)
        self.silent_sizes = False  # getFile answers without file_size, as Telegram may
        self._ids = itertools.count(100)

    @property
    def read_timeout(self):
        return 1.0

    async def initialize(self):
        pass

    async def shutdown(self):
        pass

    async def do_request(self, url, method, request_data: RequestData | None = None, read_timeout=None,
                         write_timeout=None, connect_timeout=None, pool_timeout=None):
        if "/file/bot" in url:  # a download of an uploaded file
            return 200, self.files[url.rsplit("/", 1)[-1]]
        name = url.rsplit("/", 1)[-1]
        if self.encode and request_data is not None:  # as HTTPXRequest does: JSON values in a form-encoded body
            urlencode(request_data.json_parameters).encode()
        params = dict(request_data.parameters) if request_data else {}
        self.count += 1
        if self.keep_calls:
            if request_data is not None and request_data.contains_files:
                # uploaded files: part name -> (filename, bytes, mime type)
                params["files"] = dict(request_data.multipart_data)
            self.calls.append((name, params))
        if name in self.refused:
            return 400, json.dumps({"ok": False, "error_code": 400, "description": self.refused[name]}).encode()
        if name == "getFile":
            file_id = params["file_id"]
            result = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_path": file_id}
            if not self.silent_sizes:
                result["file_size"] = len(self.files[file_id])
        else:
            result = offline_answer(name, params, self._ids)
        if self.watch_keyboard and isinstance(result, dict) and "reply_markup" in result:
            self.keyboard = [button["callback_data"] for row in params["reply_markup"]["inline_keyboard"]
                             for button in row]
            self.keyboard_message = result["message_id"]
        return 200, json.dumps({"ok": True, "result": result}).encode()


_update_ids = itertools.count(1)


def number_updates_from(first: int) -> None:
    """Telegram numbers updates once for all the bot's processes, and the bot skips an update_id it has already
    seen: processes sharing a database take disjoint ranges."""
    global _update_ids
    _update_ids = itertools.count(first)


def next_update_id() -> int:
    """A fresh number for an update (or a message) a test builds itself."""
    return next(_update_ids)


def user(user_id: int, language_code: str | None = "fr") -> dict:
    """A Telegram user (not a bot) whose Telegram speaks `language_code` (None: Telegram does not say)."""
    person = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
    if language_code:
        person["language_code"] = language_code
    return person


def text_update(app, user_id: int, text: str, language_code: str | None = "fr", chat_type: str = "private"):
    """A message typed by the user; a leading /word is marked as a command, as Telegram does."""
    message = {"message_id": next(_update_ids), "date": int(dt.datetime.now().timestamp()),
               "chat": {"id": user_id, "type": chat_type}, "from": user(user_id, language_code), "text": text}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return Update.de_json({"update_id": next(_update_ids), "message": message}, app.bot)


def button_update(app, user_id: int, data: str, message_id: int = 1, language_code: str | None = "fr"):
    """A tap on a button carrying `data`, under the bot's message `message_id`."""
    message = {"message_id": message_id, "date": 0, "chat": {"id": user_id, "type": "private"}, "text": "…",
               "from": BOT_USER}
    query = {"id": str(next(_update_ids)), "from": user(user_id, language_code), "chat_instance": "x",
             "data": data, "message": message}
    return Update.de_json({"update_id": next(_update_ids), "callback_query": query}, app.bot)


def form_code(data: str) -> str | None:
    """What a form's button says without the draft's version it carries: a step's choice ("fwb"), a move ("back"),
    an answer to edit ("edit:niss") or a button of the summary ("confirm", "certified")."""
    unpacked = unpack(data)
    if not unpacked or unpacked[0] not in (FORM_PICK, FORM_MOVE, FORM_EDIT, FORM_DO, FORM_GROUP):
        return None
    argument = str(unpacked[1][1])
    return {FORM_EDIT: f"edit:{argument}", FORM_GROUP: f"group:{argument}"}.get(unpacked[0], argument)


def form_data(version, code: str) -> str:
    """The callback data of a form's button from what `form_code` reads back (a forged one too): "edit:<answer>",
    a move, a button of the summary, else a step's choice."""
    if code.startswith("edit:"):
        return f"{FORM_EDIT.name}:{version}:{code[5:]}"
    if code.startswith("group:"):
        return f"{FORM_GROUP.name}:{version}:{code[6:]}"
    if code in FORM_MOVE.params[1].words:
        return f"{FORM_MOVE.name}:{version}:{code}"
    if code in FORM_DO.params[1].words:
        return f"{FORM_DO.name}:{version}:{code}"
    return f"{FORM_PICK.name}:{version}:{code}"


class Statements:
    """What an engine sends its database, update by update, as the driver sees it: every statement, BEGIN and
    COMMIT included, in order. SQLite reports each statement it runs (its trace callback); on PostgreSQL a counting
    cursor records each statement and the BEGIN that psycopg sends before the first of a transaction. `mark()`
    starts the record of the next update."""

    def __init__(self, engine):
        self.engine = engine
        self.updates: list[list[str]] = [[]]
        self.sqlite = engine.dialect.name == "sqlite"
        event.listen(engine, "checkout", self._watch)
        event.listen(engine, "commit", self._commit)

    def _record(self, statement: str) -> None:
        self.updates[-1].append(" ".join(statement.split())[:80])

    def _watch(self, dbapi_connection, _record, _proxy):
        if self.sqlite:
            dbapi_connection.set_trace_callback(self._record)
            return
        if getattr(dbapi_connection.cursor_factory, "probe", None) is self:
            return

        class Counting(dbapi_connection.cursor_factory):
            probe = self

            def execute(self, query, params=None, **kwargs):
                if self.connection.info.transaction_status == 0 and not self.connection.autocommit:  # idle
                    self.probe._record("BEGIN")
                self.probe._record(str(query))
                return super().execute(query, params, **kwargs)

        dbapi_connection.cursor_factory = Counting

    def _commit(self, _connection):
        if not self.sqlite:  # SQLite's own trace shows its COMMIT
            self._record("COMMIT")

    def mark(self) -> None:
        if self.updates[-1]:
            self.updates.append([])

    def close(self) -> None:
        event.remove(self.engine, "checkout", self._watch)
        event.remove(self.engine, "commit", self._commit)
        self.engine.dispose()  # connections forget the probe

    @staticmethod
    def inside(update: list[str]) -> list[str]:
        """The statements of the update's transaction: after its BEGIN, before its COMMIT."""
        begin = next(i + 1 for i, s in enumerate(update) if s.startswith("BEGIN"))
        return update[begin:update.index("COMMIT")]
