"""Alembic's environment for the store: runs on the connection :mod:`store.engine` passes.

Migrations are applied programmatically (:func:`store.engine.upgrade`) on a synchronous
view of the async connection, so an installed Lorenz upgrades its own database; there is
no ``alembic.ini``. ``render_as_batch`` lets SQLite alter tables (copy and move).
"""

from __future__ import annotations

from alembic import context

from store.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable from the alembic command line
    raise RuntimeError("run the store's migrations through store.engine.upgrade()")

context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
