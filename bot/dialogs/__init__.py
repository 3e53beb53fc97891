"""Dialogs as data: steps with prompts, keyboards, parsers and branches."""
