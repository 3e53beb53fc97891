"""The dialog engine: one shared state machine per dialog, state saved after every step."""
