"""Leave rules and identifiers: pure functions, no I/O."""
