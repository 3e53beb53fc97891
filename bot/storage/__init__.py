"""Persistence: SQLModel tables, the database engine and scoped repository functions."""
