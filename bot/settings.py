"""Settings from the environment or a .env file."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: str | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    telegram_bot_username: str | None = None
    # Where the SQLite file lives when DATABASE_URL is not given.
    bot_data_dir: Path = Path("data")
    database_url: str | None = None
    # The laptop install's own copies of its SQLite database: a folder (none: no copies) and how many to keep; one a
    # day, made by the running bot (and by the terminal chat when it starts).
    backup_dir: Path | None = None
    backup_keep: int = 7
    bot_default_locale: str = "fr"
    # Seconds a stopping bot (SIGTERM) spends finishing the updates it took and sending their replies; what is left
    # then is held in the database and handled at the next start. Keep it a few seconds under the stop timeout of
    # Docker (stop_grace_period, 10 s by default) or systemd (TimeoutStopSec).
    stop_budget: float = 8.0
    # Webhook mode (`breakbot run --webhook`): Telegram posts updates to WEBHOOK_URL/WEBHOOK_PATH, which
    # reaches this process on WEBHOOK_LISTEN:WEBHOOK_PORT (behind a TLS proxy); the secret is checked on each post.
    webhook_url: str | None = None
    webhook_path: str = "telegram"
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    # The overview as a Telegram Mini App: its public https address (no button without it), and where this process
    # serves it (behind the same TLS proxy as the webhook, or any).
    webapp_url: str | None = None
    webapp_listen: str = "127.0.0.1"
    webapp_port: int = 8081
    # /metrics (Prometheus) answers only a request bearing this token (Authorization: Bearer ...); none: it is off.
    metrics_token: SecretStr | None = None
    # Outgoing e-mail (acknowledgements); no host or no sender address means e-mail is off.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str | None = None
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None  # SecretStr: never shown by repr() or in logs
    smtp_tls: Literal["none", "starttls", "ssl"] = "starttls"  # plain text only when asked for
    smtp_utf8: bool = False  # true when the mail server takes non-ASCII addresses (SMTPUTF8); else they are refused

    @field_validator("telegram_bot_token", "database_url", "telegram_bot_username", "smtp_host", "smtp_from",
                     "smtp_user", "webapp_url")
    @classmethod
    def _blank_is_none(cls, value):
        return value.strip() or None if isinstance(value, str) else value

    @field_validator("smtp_tls", mode="before")
    @classmethod
    def _tls_lower_case(cls, value):
        return value.strip().lower() or "starttls" if isinstance(value, str) else value

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value):
        return value.strip() or None if isinstance(value, str) else value

    @property
    def metrics_secret(self) -> str | None:
        return self.metrics_token.get_secret_value() if self.metrics_token else None

    @property
    def mail_enabled(self) -> bool:
        return bool(self.smtp_host and self.smtp_from)

    @property
    def database(self) -> str:
        if self.database_url:
            return self.database_url
        self.bot_data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.bot_data_dir / 'breakbot.sqlite3').resolve()}"
