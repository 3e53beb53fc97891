"""Telegram: turns updates into Inputs and Views into messages, inline keyboards and edits."""
from __future__ import annotations

import logging

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType, MessageLimit
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler, filters
from telegram.request import BaseRequest

from bot.fsm.engine import Engine, resolve_language
from bot.fsm.views import Input, Reply, View
from bot.i18n import LANGUAGES, N_, render, t
from bot.settings import Settings

log = logging.getLogger(__name__)
CHANNEL = "telegram"
MENU = [("new", N_("File a new request")), ("status", N_("Follow your organisation's requests")),
        ("cancel", N_("Stop the request in progress")), ("language", N_("Choose your language")),
        ("help", N_("What this assistant can do"))]


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Cut a long text into messages Telegram accepts, at line breaks where possible."""
    parts = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return parts + [text or "…"]


def keyboard(view: View, lang: str) -> InlineKeyboardMarkup | None:
    if not view.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(render(b.label, lang)[:120], callback_data=b.data)
                                  for b in row] for row in view.buttons])


def _input(update: Update, kind: str, text: str = "", command: str = "") -> Input:
    user = update.effective_user
    return Input(channel=CHANNEL, user_key=str(user.id), chat_key=str(update.effective_chat.id), kind=kind,
                 text=text, command=command, language_code=user.language_code, display_name=user.full_name or "")


async def _send(update: Update, reply: Reply, edit_first: bool) -> None:
    chat = update.effective_chat
    for index, view in enumerate(reply.views):
        parts = split_text("\n".join(render(line, reply.lang) for line in view.lines))
        markup = keyboard(view, reply.lang)
        if index == 0 and edit_first and view.replace and len(parts) == 1:
            try:
                await update.callback_query.edit_message_text(parts[0], reply_markup=markup)
                continue
            except BadRequest as error:  # too old to edit, or unchanged: send it instead
                if "not modified" in str(error).lower():
                    continue
        for i, part in enumerate(parts):
            await chat.send_message(part, reply_markup=markup if i == len(parts) - 1 else None)


def _engine(context: ContextTypes.DEFAULT_TYPE) -> Engine:
    return context.application.bot_data["engine"]


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
    reply = _engine(context).handle(_input(update, "command", args.strip(), command))
    await _send(update, reply, edit_first=False)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await _private_only(update, context):
        return
    reply = _engine(context).handle(_input(update, "text", update.effective_message.text))
    await _send(update, reply, edit_first=False)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer()  # stops the button's spinner at once
    if update.effective_chat is None or not await _private_only(update, context):
        return
    reply = _engine(context).handle(_input(update, "button", query.data or ""))
    await _send(update, reply, edit_first=True)


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat is None or not await _private_only(update, context):
        return
    reply = _engine(context).handle(_input(update, "other"))
    await _send(update, reply, edit_first=False)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("update could not be handled: %s", type(context.error).__name__, exc_info=context.error)


async def register_menu(application: Application) -> None:
    """The command menu, once per language so that a Dutch Telegram shows Dutch descriptions."""
    for lang in LANGUAGES:
        commands = [BotCommand(name, render(t(text), lang)) for name, text in MENU]
        await application.bot.set_my_commands(commands, language_code=lang)
    await application.bot.set_my_commands([BotCommand(n, render(t(x), "fr")) for n, x in MENU])


def build_application(settings: Settings, engine: Engine, request: BaseRequest | None = None) -> Application:
    builder: ApplicationBuilder = (Application.builder().token(settings.telegram_bot_token)
                                   .base_url(settings.telegram_base_url)
                                   .base_file_url(settings.telegram_base_file_url)
                                   .post_init(register_menu))
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    application.bot_data["engine"] = engine
    application.add_handler(MessageHandler(filters.COMMAND, on_command))
    application.add_handler(MessageHandler(filters.TEXT, on_text))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(filters.ALL, on_other))
    application.add_error_handler(on_error)
    return application


def run_polling(settings: Settings, engine: Engine) -> None:
    application = build_application(settings, engine)
    application.run_polling(allowed_updates=[Update.MESSAGE, Update.CALLBACK_QUERY])


__all__ = ["build_application", "run_polling", "split_text", "TelegramError"]
