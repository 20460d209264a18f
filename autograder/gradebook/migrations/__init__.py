"""Alembic migrations of the gradebook (``env.py``, ``versions/``); run by ``store.migrate``."""
