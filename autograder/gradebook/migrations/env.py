"""Alembic environment: always run by ``autograder.gradebook.store.migrate`` on a connection it
opened (inside its transaction, holding the gradebook's write lock)."""

from __future__ import annotations

from alembic import context

from autograder.gradebook.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the gradebook's migrations through autograder.gradebook.store.migrate")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
