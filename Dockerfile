# The bot on Telegram (long polling), with compiled catalogs, running as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    BOT_DATA_DIR=/data

RUN useradd --create-home --uid 10001 breakbot && mkdir /data && chown breakbot /data
WORKDIR /app
COPY pyproject.toml README.md babel.cfg ./
COPY bot ./bot
COPY migrations ./migrations
COPY locales ./locales
RUN pip install -e . && pybabel compile --domain messages --directory locales --statistics

EXPOSE 8081
USER breakbot
VOLUME ["/data"]
CMD ["breakbot", "run"]
