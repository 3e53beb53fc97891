"""The engine core: one turn per update, routers and button actions; no feature in it, and not the dialog machine."""
