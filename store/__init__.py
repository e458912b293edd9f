"""The store: snapshots of past answers, watches and the alerts sent (DESIGN.md §4).

SQLAlchemy 2 (async) over SQLite (aiosqlite, the embedded default in the user data
directory) or PostgreSQL (asyncpg) by URL, with the same code; the schema is kept by Alembic
migrations shipped in this package (:mod:`store.migrations`) and applied at start-up by
:func:`store.engine.open_store`. Imports only :mod:`core`: the pipeline turns reports into
:class:`store.records.SnapshotIn` and reads :class:`store.records.SnapshotOut` back.
"""
