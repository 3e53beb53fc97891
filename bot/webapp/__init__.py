"""The overview as a Telegram Mini App: a small web server (Starlette on uvicorn) in the bot's process, serving one
page and a JSON API on the same database and use cases as the chat."""
