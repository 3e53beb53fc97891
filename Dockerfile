# The bot on Telegram (long polling by default), with compiled catalogs, running as the non-root user breakbot,
# uid 10001: a folder mounted on /data must be writable by that uid.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BOT_DATA_DIR=/data BREAKBOT_HOME=/app
# Where pip finds packages when PyPI is not the way (a mirror, a proxy's CA bundle): passed with --build-arg, unset
# otherwise; build arguments stay out of the image's environment.
ARG PIP_INDEX_URL
ARG PIP_EXTRA_INDEX_URL
ARG PIP_TRUSTED_HOST
ARG PIP_CERT
ARG PIP_DEFAULT_TIMEOUT

RUN useradd --create-home --uid 10001 --user-group breakbot && mkdir /data && chown breakbot:breakbot /data

# The pinned libraries first (a layer that changes only with constraints.txt), then the project itself, installed
# as a package (not editable): its source is not kept. Migrations and catalogs stay in /app (BREAKBOT_HOME).
COPY constraints.txt /tmp/build/
RUN pip install -r /tmp/build/constraints.txt
COPY pyproject.toml README.md /tmp/build/
COPY bot /tmp/build/bot
RUN pip install -c /tmp/build/constraints.txt /tmp/build && rm -rf /tmp/build

WORKDIR /app
COPY migrations ./migrations
COPY locales ./locales
RUN pybabel compile --domain messages --directory locales --statistics

# 8443: Telegram's webhooks (`breakbot run --webhook`, WEBHOOK_PORT); 8081 (WEBAPP_PORT): the bot's /healthz and
# /metrics always, and the Mini App when WEBAPP_URL is set (set WEBAPP_LISTEN=0.0.0.0 to reach it from outside).
EXPOSE 8443 8081
USER breakbot
VOLUME ["/data"]
# The database opens, the bot process answers 200 on /healthz (it runs and reaches its database), and the
# webhook's port answers when WEBHOOK_URL is set.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["breakbot", "health"]
CMD ["breakbot", "run"]
