"""The engine core: one turn per update, routers, button actions and the form runner; no feature in it."""
