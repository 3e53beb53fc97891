"""Telegram: turns updates into Inputs and Views into messages, inline keyboards and edits."""
from __future__ import annotations

import asyncio
import logging
import warnings

from telegram import BotCommand, InputFile, MenuButtonWebApp, Update, WebAppInfo
from telegram.constants import ChatType, MessageLimit
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot.channels import delivery
from bot.channels.delivery import NOT_STOPPING, Outcome, Stopping
from bot.core.engine import Engine
from bot.core.views import Input, Reply, Upload, View
from bot.documents import MAX_ATTACHMENT_BYTES
from bot.i18n import LANGUAGES, N_, render, resolve_language, t
from bot.settings import Settings
from bot.storage import held_store

log = logging.getLogger(__name__)
CHANNEL = "telegram"
# Replies go through Bot.do_api_request(..., return_type=None): nothing reads the Message Telegram sends back, and
# turning it into objects costs more than the rest of an update. PTB points out that send_message exists; we know.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.(sendMessage|editMessageText|sendDocument)'",
                        category=PTBUserWarning)


WAITING, RUNNING, SENDING = "waiting", "running", "sending"


class Work:
    """An update taken: waiting for its turn, being handled, or sending its replies."""

    __slots__ = ("phase", "cancelled", "marker")

    def __init__(self):
        self.phase, self.cancelled = WAITING, False
        self.marker: delivery.Marker | None = None  # the reply's message being sent: on the wire, or waiting


class ChatOrder(BaseUpdateProcessor):
    """Updates of different chats are handled at the same time; one chat's updates one after the other, in the
    order they came. Only chats with an update in progress hold a lock, so idle chats cost no memory.

    At a stop whose budget is spent (Stateless.stop), an update still waiting is not handled: it is held in the
    database for the next start (`hold`), and so are the replies not sent yet (_send)."""

    def __init__(self, max_concurrent_updates: int = 64):
        super().__init__(max_concurrent_updates)
        self._chats: dict[int, tuple[asyncio.Lock, int]] = {}
        self.work: dict[asyncio.Task, Work] = {}
        self.stopping: Stopping = NOT_STOPPING
        self.hold = None  # async (items) -> None, set by build_application

    async def process_update(self, update, coroutine) -> None:
        work = Work()
        task = asyncio.current_task()
        self.work[task] = work
        try:
            async with self._semaphore:
                await self._in_chat_order(update, coroutine, work)
        except asyncio.CancelledError:
            if not self.stopping.expired:
                raise
            if work.phase == WAITING:  # cancelled before its turn began: handled at the next start
                coroutine.close()
                await self._hold_update(update)
            # a turn that was sending held its own replies; python-telegram-bot counts the update as done
        finally:
            del self.work[task]

    async def _hold_update(self, update) -> None:
        if self.hold is not None and isinstance(update, Update):
            await self.hold([{"kind": held_store.UPDATE, "chat_id": getattr(update.effective_chat, "id", None),
                              "payload": update.to_dict()}])

    async def _in_chat_order(self, update, coroutine, work: Work) -> None:
        chat = getattr(update, "effective_chat", None)
        if chat is None:
            await self._run(update, coroutine, work)
            return
        lock, users = self._chats.get(chat.id, (None, 0))
        lock = lock or asyncio.Lock()
        self._chats[chat.id] = (lock, users + 1)
        try:
            async with lock:
                await self._run(update, coroutine, work)
        finally:
            lock, users = self._chats[chat.id]
            if users == 1:
                del self._chats[chat.id]
            else:
                self._chats[chat.id] = (lock, users - 1)

    async def _run(self, update, coroutine, work: Work) -> None:
        if self.stopping.expired:  # its turn came after the stop's budget: not begun, held
            coroutine.close()
            await self._hold_update(update)
            return
        work.phase = RUNNING
        await coroutine

    async def do_process_update(self, update, coroutine) -> None:  # required by the base class; not used
        await self._in_chat_order(update, coroutine, Work())

    @property
    def chats_in_progress(self) -> int:
        return len(self._chats)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class Stateless(Application):
    """The Application, remembering nothing per chat or user: everything lives in the database. Without a
    persistence, python-telegram-bot still adds every chat and user id it sees to two sets "to be persisted", which
    grow with every new user for the life of the process (about 1 MB per 5,000 users)."""

    def _mark_for_persistence_update(self, *, update: object | None = None, job=None) -> None:
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)

    async def start(self) -> None:
        """Also the background jobs (`schedule`): here rather than in post_init, so that run_polling, run_webhook
        and a test's own start() all start them, once the application runs."""
        await super().start()
        jobs = self.bot_data.get("jobs")
        if jobs is not None:
            jobs.start()

    async def stop(self) -> None:
        """A stop (SIGTERM): new updates are no longer taken (python-telegram-bot stopped the webhook or polling
        before this); those taken are handled and answered within the stop budget; past it, what is left (updates
        not begun, replies not sent) is held in the database, and the next start handles and sends it."""
        jobs = self.bot_data.get("jobs")
        # No job run begins any more; one in progress goes on (past the budget its sends are left for later).
        jobs_stopped = asyncio.ensure_future(jobs.stop()) if jobs is not None else None
        processor = self.update_processor
        stopping = self.bot_data.get("stopping")
        if isinstance(processor, ChatOrder) and stopping is not None and not stopping.expired:
            await wind_down(self, processor, stopping)
        if jobs_stopped is not None:
            await jobs_stopped
        await super().stop()


STOP_GRACE = 3.0  # seconds past the budget for the turns in progress to end and hold what they could not send


async def wind_down(application: Application, processor: ChatOrder, stopping: Stopping) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    stopping.deadline = started + stopping.budget
    taken = len(processor.work) + application.update_queue.qsize()
    while (processor.work or application.update_queue.qsize()) and loop.time() < stopping.deadline:
        await asyncio.sleep(0.02)
    left = len(processor.work) + application.update_queue.qsize()
    if left:
        stopping.expire()
        # Updates waiting for their turn and replies waiting for the rate limiter are held at once; a turn in
        # progress ends (a database turn lasts milliseconds), and its replies are held.
        while processor.work and loop.time() < stopping.deadline + STOP_GRACE:
            for task, work in list(processor.work.items()):
                on_the_wire = work.marker is not None and work.marker.sending  # it ends by itself, within seconds
                if work.phase in (WAITING, SENDING) and not on_the_wire and not work.cancelled and not task.done():
                    work.cancelled = True  # once: the task then holds what it had, and must not be cut short
                    task.cancel()
            await asyncio.sleep(0.02)
    if processor.work:  # still on the wire, or a turn that outlived the grace: its reply may not be sent
        log.warning("%d updates still in progress when the stop ended", len(processor.work))
    log.info("stopped in %.1f s: %d updates in progress at the stop, %d of them not done within the budget (held "
             "for the next start)", loop.time() - started, taken, left)


def utf16_length(text: str) -> int:
    """A text's length as Telegram counts it: in UTF-16 code units (an emoji or a rare character counts two)."""
    return len(text.encode("utf-16-le")) // 2


def _fitting(text: str, limit: int) -> int:
    """How many characters of the text fit in `limit` UTF-16 code units."""
    if utf16_length(text) <= limit:
        return len(text)
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Cut a long text into messages Telegram accepts (at most `limit` UTF-16 code units), at line breaks where
    possible."""
    parts = []
    while utf16_length(text) > limit:
        fits = _fitting(text, limit)
        cut = text.rfind("\n", 0, fits)
        cut = cut if cut > 0 else fits
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return parts + [text or "…"]


MAX_BUTTONS = 100  # Telegram refuses a message with more: its question would never be seen


def fitting(rows: list[list]) -> list[list]:
    """The rows of buttons Telegram takes: past 100 buttons the middle rows go, the last row (back, pages) stays.
    Features keep their lists short (schools are found by typing); this is the guarantee that a step is seen."""
    if sum(map(len, rows)) <= MAX_BUTTONS:
        return rows
    log.warning("a keyboard of %d buttons was cut to %d", sum(map(len, rows)), MAX_BUTTONS)
    kept, room = [], MAX_BUTTONS - len(rows[-1])
    for row in rows[:-1]:
        if len(row) > room:
            break
        kept.append(row)
        room -= len(row)
    return [*kept, rows[-1]]


def keyboard(view: View, lang: str) -> dict | None:
    """An inline keyboard as the Bot API takes it (plain JSON: no objects to build for a reply)."""
    if not view.buttons:
        return None
    return {"inline_keyboard": [[{"text": render(b.label, lang)[:120]} | (
        {"web_app": {"url": b.web_app}} if b.web_app else {"callback_data": b.data}) for b in row]
                                for row in fitting(view.buttons)]}


def _input(update: Update, kind: str, text: str = "", command: str = "", upload: Upload | None = None) -> Input:
    user = update.effective_user
    return Input(channel=CHANNEL, user_key=str(user.id), chat_key=str(update.effective_chat.id), kind=kind,
                 text=text, command=command, language_code=user.language_code, display_name=user.full_name or "",
                 upload=upload, update_id=update.update_id, bot_id=update.get_bot().id)


def _fields(**fields) -> dict:
    return {k: v for k, v in fields.items() if v is not None}


class Post:
    """One Bot API call of a reply: a message, an edit (sent as a new message when Telegram refuses it), or a
    document (made when its turn comes, off the event loop)."""

    __slots__ = ("method", "fields", "instead", "document")

    def __init__(self, method: str, fields: dict, instead: dict | None = None, document=None):
        self.method, self.fields, self.instead, self.document = method, fields, instead, document

    def held(self) -> dict | None:
        """What the next start sends in its place: the message itself (an edit becomes a new message); a document
        is not kept (the member asks for it again)."""
        if self.document is not None:
            return None
        if self.instead is not None:
            return {"method": "sendMessage", "fields": self.instead}
        return {"method": self.method, "fields": self.fields}


def _posts(update: Update, reply: Reply, edit_first: bool) -> list[Post]:
    chat_id, posts = update.effective_chat.id, []
    for index, view in enumerate(reply.views):
        parts = split_text("\n".join(render(line, reply.lang) for line in view.lines))
        markup = keyboard(view, reply.lang)
        if view.document is not None:
            caption = parts[0] if len(parts) == 1 and utf16_length(parts[0]) <= MessageLimit.CAPTION_LENGTH else None
            if caption is None:
                posts += [Post("sendMessage", _fields(chat_id=chat_id, text=part)) for part in parts]
            posts.append(Post("sendDocument", _fields(chat_id=chat_id, caption=caption, reply_markup=markup),
                              document=view.document))
            continue
        message = update.callback_query.message if edit_first and update.callback_query else None
        if index == 0 and message is not None and view.replace and len(parts) == 1:
            posts.append(Post("editMessageText", _fields(chat_id=chat_id, message_id=message.message_id,
                                                         text=parts[0], reply_markup=markup),
                              instead=_fields(chat_id=chat_id, text=parts[0], reply_markup=markup)))
            continue
        posts += [Post("sendMessage", _fields(chat_id=chat_id, text=part,
                                              reply_markup=markup if i == len(parts) - 1 else None))
                  for i, part in enumerate(parts)]
    return posts


async def _one(bot, post: Post, stopping: Stopping, work: Work | None) -> Outcome:
    if post.document is not None:
        document = post.document
        if document.produce is not None:  # long to make (an export): in a thread, never on the event loop
            document.data = await asyncio.to_thread(document.produce)
        post.fields["document"] = document.file_id or InputFile(document.data, filename=document.filename)
    try:
        return await delivery.post(bot, post.method, post.fields, stopping, watcher=work)
    except BadRequest as error:
        if post.instead is not None:  # an edit: too old to edit, or unchanged
            if "not modified" in str(error).lower():
                return Outcome.SENT
            return await delivery.post(bot, "sendMessage", post.instead, stopping, watcher=work)
        log.warning("%s refused: %s", post.method, error)
        return Outcome.FAILED


async def _send(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply, edit_first: bool) -> None:
    """The reply's messages, in order. If one may not have arrived, the draft's question is marked unseen (a typed
    text is then not taken as its answer); past a stop's budget, the rest is held for the next start."""
    application = context.application
    processor = application.update_processor
    work = processor.work.get(asyncio.current_task()) if isinstance(processor, ChatOrder) else None
    if work is not None:
        work.phase = SENDING
    stopping = application.bot_data.get("stopping") or NOT_STOPPING
    posts, unsure = _posts(update, reply, edit_first), False
    for index, post in enumerate(posts):
        try:
            outcome = await _one(context.bot, post, stopping, work)
        except asyncio.CancelledError:  # making a document when the budget was spent
            if not stopping.expired:
                raise
            outcome = Outcome.HELD
        if outcome is Outcome.HELD or (stopping.expired and index + 1 < len(posts)):
            rest = posts[index if outcome is Outcome.HELD else index + 1:]
            await _hold_replies(application, rest, reply.asks)
            return
        unsure |= outcome is not Outcome.SENT
    if unsure and reply.asks is not None:
        engine = _engine(context)
        await engine.offload(held_store.mark_unseen, engine.db, *reply.asks)


async def _hold_replies(application: Application, posts: list[Post], asks: tuple[int, int] | None) -> None:
    engine = application.bot_data["engine"]
    items = [{"kind": held_store.REPLY, "chat_id": post.fields.get("chat_id"), "payload": held}
             for post in posts if (held := post.held()) is not None]
    if items and asks is not None:  # the question is on the last of them
        items[-1] |= {"draft_id": asks[0], "draft_version": asks[1]}
    if len(items) < len(posts):
        log.warning("a document was not sent before the stop: it is not kept")
    await engine.offload(held_store.hold, engine.db, application.bot.id, items)
    if not items and asks is not None:
        await engine.offload(held_store.mark_unseen, engine.db, *asks)


def _engine(context: ContextTypes.DEFAULT_TYPE) -> Engine:
    engine = context.application.bot_data["engine"]
    if engine.options.bot_username is None:  # for invitation links
        engine.options.bot_username = context.bot.username
    return engine


async def _private_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    if update.effective_chat.type == ChatType.PRIVATE:
        return True
    # Requests hold national numbers: never in a group where others read along.
    engine = _engine(context)
    lang = resolve_language(None, getattr(update.effective_user, "language_code", None), engine.default_locale)
    await update.effective_chat.send_message(render(t(N_("For privacy, I only work in a private chat.")), lang))
    return False


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await _private_only(update, context):
        return
    head, _, args = update.effective_message.text.partition(" ")
    command = head[1:].split("@")[0].lower()
    reply = await _engine(context).run(_input(update, "command", args.strip(), command))
    await _send(update, context, reply, edit_first=False)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await _private_only(update, context):
        return
    reply = await _engine(context).run(_input(update, "text", update.effective_message.text))
    await _send(update, context, reply, edit_first=False)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    try:
        await query.answer()  # stops the button's spinner at once
    except TelegramError as error:  # too old to answer ("query is too old"): the tap still acts
        log.info("callback query not answered: %s", error)
    if update.effective_chat is None or not await _private_only(update, context):
        return
    reply = await _engine(context).run(_input(update, "button", query.data or ""))
    await _send(update, context, reply, edit_first=True)


async def on_upload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A document or photo: downloaded only once the engine has said it would take it."""
    if not await _private_only(update, context):
        return
    message = update.effective_message
    if message.document:
        item, name, mime = message.document, message.document.file_name or "document", message.document.mime_type
    else:
        item = message.photo[-1]
        name, mime = f"photo-{item.file_unique_id}.jpg", "image/jpeg"
    upload = Upload(filename=name, mime=(mime or "application/octet-stream").lower(), size=item.file_size or 0,
                    file_id=item.file_id)
    engine = _engine(context)
    refusal = await engine.check_upload(_input(update, "upload", upload=upload))
    if refusal is not None:  # not enrolled, no request open, too big, not a type we take: nothing downloaded
        await _send(update, context, refusal, edit_first=False)
        return
    telegram_file = await context.bot.get_file(item.file_id)
    upload.size = telegram_file.file_size or upload.size
    if upload.size <= MAX_ATTACHMENT_BYTES:
        # Telegram serves bots files of at most 20 MB: a file whose size was not announced is read up to that, and
        # then refused like any other too big (the turn checks the bytes it got).
        upload.data = bytes(await telegram_file.download_as_bytearray())
        upload.size = len(upload.data)
    await _send(update, context, await engine.run(_input(update, "upload", upload=upload)), edit_first=False)


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat is None or not await _private_only(update, context):
        return
    reply = await _engine(context).run(_input(update, "other"))
    await _send(update, context, reply, edit_first=False)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("update could not be handled: %s", type(context.error).__name__, exc_info=context.error)


async def _started(application: Application) -> None:
    await register_menu(application)
    await replay_held(application)


async def replay_held(application: Application) -> None:
    """What the last stop held: its updates go first in the queue, its replies are sent, each chat's in order."""
    engine = application.bot_data["engine"]
    items = await engine.offload(held_store.take, engine.db, application.bot.id)
    updates = [Update.de_json(item["payload"], application.bot) for item in items if item["kind"] == held_store.UPDATE]
    for update in updates:
        await application.update_queue.put(update)
    replies = [item for item in items if item["kind"] == held_store.REPLY]
    if items:
        log.info("held at the last stop: %d updates queued, %d replies to send", len(updates), len(replies))
    if replies:  # kept referenced until done (the event loop keeps only a weak reference to a task)
        application.bot_data["replaying"] = asyncio.ensure_future(_send_held(application, replies))


async def _send_held(application: Application, replies: list[dict]) -> None:
    engine, stopping = application.bot_data["engine"], application.bot_data["stopping"]
    by_chat: dict[int, list[dict]] = {}
    for item in replies:
        by_chat.setdefault(item["chat_id"], []).append(item)

    async def chat(items: list[dict]) -> None:
        for index, item in enumerate(items):
            outcome = await delivery.post(application.bot, item["payload"]["method"], item["payload"]["fields"],
                                          stopping)
            if outcome is Outcome.HELD:  # stopped again meanwhile
                await engine.offload(held_store.hold, engine.db, application.bot.id, items[index:])
                return
            if outcome is Outcome.SENT and item["draft_id"] is not None:
                await engine.offload(held_store.mark_seen, engine.db, item["draft_id"], item["draft_version"])

    await asyncio.gather(*(chat(items) for items in by_chat.values()))


def menu(engine: Engine, lang: str) -> list[BotCommand]:
    """The command menu in one language, from the commands the routers registered."""
    return [BotCommand(c.name, render(t(c.menu), lang)) for c in engine.routes.menu()]


async def register_menu(application: Application) -> None:
    """The command menu, once per language so that a Dutch Telegram shows Dutch descriptions."""
    engine = application.bot_data["engine"]
    for lang in LANGUAGES:
        await application.bot.set_my_commands(menu(engine, lang), language_code=lang)
    await application.bot.set_my_commands(menu(engine, engine.default_locale))
    if engine.options.webapp_url:  # the button beside the message box opens the table too
        await application.bot.set_chat_menu_button(menu_button=MenuButtonWebApp(
            render(t(N_("Table")), engine.default_locale), WebAppInfo(engine.options.webapp_url)))
    web = application.bot_data.get("webapp")
    if web is not None:
        web.bot_username = application.bot.username  # the Mini App's link back to a request in the chat
        web.send_document = _sender(application, asyncio.get_running_loop())  # files for older Telegram clients


def _sender(application: Application, loop: asyncio.AbstractEventLoop):
    """The Mini App's server (its own thread) has the bot send a file into a member's chat, on the bot's loop."""
    def send(user_key: str, filename: str, data: bytes) -> None:
        sending = application.bot.send_document(chat_id=int(user_key), document=InputFile(data, filename=filename))
        asyncio.run_coroutine_threadsafe(sending, loop).result(timeout=60)
    return send


def serve_webapp(application: Application, settings: Settings, engine: Engine):
    """The Mini App's server in this process, when WEBAPP_URL is set; else the same with /healthz and /metrics only."""
    from bot.app import web_options
    from bot.webapp.serve import WebServer, serve_watched

    options = web_options(engine, bot_token=settings.telegram_bot_token, metrics_token=settings.metrics_secret)
    if not settings.webapp_url:
        return serve_watched(options, settings.webapp_listen, settings.webapp_port)
    application.bot_data["webapp"] = options
    return WebServer(options, settings.webapp_listen, settings.webapp_port).start()


async def _close_engine(application: Application) -> None:
    application.bot_data["engine"].close()


def build_application(settings: Settings, engine: Engine, request: BaseRequest | None = None,
                      rate_limited: bool = True, concurrent_updates: int = 64) -> Application:
    builder: ApplicationBuilder = (Application.builder().application_class(Stateless)
                                   .token(settings.telegram_bot_token)
                                   .base_url(settings.telegram_base_url)
                                   .base_file_url(settings.telegram_base_file_url)
                                   .post_init(_started).post_shutdown(_close_engine)
                                   .job_queue(None))  # the jobs keep their own clock: Jobs, below
    if rate_limited:  # notifications to a whole organisation must respect Telegram's limits
        builder = builder.rate_limiter(delivery.Limiter(max_retries=2))
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    processor = ChatOrder(concurrent_updates)
    application = builder.concurrent_updates(processor).build()
    application.bot_data["engine"] = engine
    application.bot_data["settings"] = settings
    application.bot_data["stopping"] = processor.stopping = Stopping(settings.stop_budget)

    async def hold(items: list[dict]) -> None:
        await engine.offload(held_store.hold, engine.db, application.bot.id, items)
    processor.hold = hold
    application.add_handler(MessageHandler(filters.COMMAND, on_command))
    application.add_handler(MessageHandler(filters.TEXT, on_text))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(filters.Document.ALL | filters.PHOTO, on_upload))
    application.add_handler(MessageHandler(filters.ALL, on_other))
    application.add_error_handler(on_error)
    return application


async def prune_job(context) -> None:
    """Once a day: the ids of updates older than a week are forgotten (Telegram redelivers within a day), and the
    spreadsheets checked and never filed (they hold national numbers) after two days."""
    from bot.storage import batch_store
    from bot.storage.chat_store import prune_processed_updates

    engine = context.application.bot_data["engine"]
    removed = await engine.offload(prune_processed_updates, engine.db, engine.clock())
    files = await engine.offload(batch_store.prune, engine.db, engine.clock())
    log.info("processed updates pruned: %d; spreadsheets never filed forgotten: %d", removed, files)


async def backup_job(context) -> None:
    """Every hour: a copy of the SQLite database into BACKUP_DIR when the last is a day old, the BACKUP_KEEP newest
    kept (SQLite's online backup, off the event loop: the chats go on meanwhile)."""
    from bot import backups

    settings = context.application.bot_data["settings"]
    engine = context.application.bot_data["engine"]
    made = await asyncio.to_thread(backups.scheduled, settings.database, settings.backup_dir, settings.backup_keep,
                                   engine.clock())
    if made is not None:
        log.info("database copied to %s", made)


REMINDERS_SECONDS, REMINDERS_FIRST = 300, 15  # every five minutes, the first a little after start
# Each job's interval and first run, in seconds. Reminders are due by the day: a few minutes late is on time; every
# process runs them, each is claimed once.
EVERY = {"notifications": (10, 3), "reminders": (REMINDERS_SECONDS, REMINDERS_FIRST), "prune": (24 * 3600, 60),
         "backup": (3600, 120), "mail": (30, 5)}


class Jobs:
    """The background jobs, each repeated on the event loop's clock (monotonic), which the wall clock's jumps do not
    move. PTB's JobQueue plans with APScheduler 3, which puts each run at a wall-clock time and sleeps until then:
    after the clock went back an hour, every job waited that hour; after a jump forward, the run it then found late
    by more than a second (its misfire grace) was skipped. Here a run that fails is logged and the next comes all the
    same; a run that takes longer than its interval is followed by the next at once, never overlapped. A job is
    called with this object, whose `.application` is all it uses (as it used PTB's context)."""

    def __init__(self, application: Application):
        self.application = application
        self._planned: list[tuple] = []
        self._tasks: list[asyncio.Task] = []
        self._stopping: asyncio.Event | None = None

    def every(self, seconds: float, job, first: float, name: str) -> None:
        self._planned.append((job, seconds, first, name))

    def start(self) -> None:
        self._stopping = asyncio.Event()
        self._tasks = [asyncio.create_task(self._repeat(*plan), name=f"job {plan[3]}") for plan in self._planned]

    async def stop(self) -> None:
        """No run begins any more; one in progress is waited for."""
        if self._stopping is not None:
            self._stopping.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _repeat(self, job, seconds: float, first: float, name: str) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time() + first
        while True:
            if due > loop.time():
                try:
                    await asyncio.wait_for(self._stopping.wait(), due - loop.time())
                except TimeoutError:
                    pass
            if self._stopping.is_set():
                return
            try:
                await job(self)
            except Exception:  # noqa: BLE001 - the next run may well succeed (the network or the database back)
                log.exception("the %s job failed; it runs again in %s s", name, seconds)
            due = max(due + seconds, loop.time())


def schedule(application: Application, settings: Settings, every: dict[str, tuple[float, float]] = EVERY) -> Jobs:
    """The background work of the bot process: status notifications, reminders, the prune, the backups and the
    e-mail outbox; they run while the application runs (Stateless.start and stop)."""
    from bot import notifications, reminders

    jobs = Jobs(application)
    planned = {"notifications": notifications.deliver_job, "reminders": reminders.deliver_job, "prune": prune_job}
    if settings.backup_dir:
        planned["backup"] = backup_job
    if settings.mail_enabled:
        from bot import mail

        planned["mail"] = mail.deliver_job
    for name, job in planned.items():
        seconds, first = every[name]
        jobs.every(seconds, job, first, name)
    application.bot_data["jobs"] = jobs
    return jobs


def run_webhook(settings: Settings, engine: Engine) -> None:
    """Several processes can serve one bot this way: the engine serialises each chat in the database."""
    application = build_application(settings, engine)
    schedule(application, settings)
    serve_webapp(application, settings, engine)
    application.run_webhook(listen=settings.webhook_listen, port=settings.webhook_port,
                            url_path=settings.webhook_path, secret_token=settings.webhook_secret,
                            webhook_url=f"{settings.webhook_url.rstrip('/')}/{settings.webhook_path}",
                            allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY])


def run_polling(settings: Settings, engine: Engine) -> None:
    application = build_application(settings, engine)
    schedule(application, settings)
    serve_webapp(application, settings, engine)
    application.run_polling(allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY])


__all__ = ["build_application", "run_polling", "split_text", "TelegramError"]
