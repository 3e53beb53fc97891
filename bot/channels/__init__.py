"""Transports: Telegram and the terminal. They know their medium, not the leave rules."""
