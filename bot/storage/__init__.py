"""Persistence: SQLModel tables and their column types, the database engine, and one module per aggregate
(organisation_store, chat_store and turns, request_store, audit), none of which commits."""
