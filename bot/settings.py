"""Settings from the environment or a .env file."""
from __future__ import annotations

from pathlib import Path

from pydantic import field_validator
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
    bot_default_locale: str = "fr"

    @field_validator("telegram_bot_token", "database_url", "telegram_bot_username")
    @classmethod
    def _blank_is_none(cls, value):
        return value.strip() or None if isinstance(value, str) else value

    @property
    def database(self) -> str:
        if self.database_url:
            return self.database_url
        self.bot_data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.bot_data_dir / 'breakbot.sqlite3').resolve()}"
