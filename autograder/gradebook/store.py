"""Opening a gradebook: where it is, the engine, the schema (Alembic), and transactions.

``location`` is a file path (SQLite, the default: ``<out>/gradebook.sqlite`` next to the results)
or a SQLAlchemy URL (``postgresql://user@host/db``; the psycopg driver is used).

Concurrency and crashes:

* SQLite runs in WAL mode with a busy timeout; every write transaction starts with
  ``BEGIN IMMEDIATE`` (it takes the write lock at once, so two writers queue instead of failing
  on a lock upgrade). Readers never block writers and see the last committed state.
* PostgreSQL: each write is one transaction; concurrent inserts of the same student or notebook
  use ``INSERT ... ON CONFLICT DO NOTHING``; migrations hold an advisory lock.
* Switching a new file to WAL needs the whole file, and SQLite may answer "locked" at once
  instead of waiting (two batches opening one new gradebook); the switch is retried until the
  busy timeout, and skipped when the file is already in WAL mode (it stays so).
* One write = one transaction: a crash (kill -9) mid-write leaves the previous state, readable.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from autograder.errors import AutograderError
from autograder.i18n import msg

DEFAULT_NAME = "gradebook.sqlite"
BUSY_TIMEOUT_S = 60.0
_MIGRATION_LOCK = 4_212_007  # PostgreSQL advisory lock key held while migrating


class GradebookError(AutograderError):
    """The gradebook cannot be opened, is of a newer schema, or an operation on it is invalid."""

    exit_code = 11


def url_of(location: str | Path) -> str:
    """A SQLAlchemy URL for ``location`` (a path: SQLite; ``postgresql://``: psycopg 3)."""
    loc = str(location)
    if "://" not in loc:
        return f"sqlite:///{Path(loc).expanduser().resolve()}"
    url = make_url(loc)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def describe(location: str | Path) -> str:
    """``location`` for messages, without a password."""
    loc = str(location)
    return make_url(url_of(loc)).render_as_string(hide_password=True) if "://" in loc else loc


def _into_wal(cursor: sqlite3.Cursor) -> None:
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (pysqlite's is deferred)
        cursor = dbapi_connection.cursor()
        _into_wal(cursor)
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints, never corrupt
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("gradebook_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if mode else "BEGIN")

    return engine


def make_engine(location: str | Path, create: bool = True) -> Engine:
    """The engine for ``location``; with ``create`` False, a SQLite file that does not exist is
    an error (a mistyped path must not become a new, empty gradebook)."""
    url = url_of(location)
    if url.startswith("sqlite"):
        path = Path(make_url(url).database or "")
        if not path.parent.is_dir():
            raise GradebookError(msg("gradebook_no_folder", path=str(path)), where=str(path),
                                 fix=msg("gradebook_no_folder_fix"))
        if not create and not path.is_file():
            raise GradebookError(msg("gradebook_missing", path=str(path)), where=str(path),
                                 fix=msg("gradebook_missing_fix"))
        return _sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True)


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location",
                        str(resources.files("autograder.gradebook").joinpath("migrations")))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location",
                        str(resources.files("autograder.gradebook").joinpath("migrations")))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine, where: str) -> None:
    """Bring the schema to the newest revision (under the write lock; a no-op when it is)."""
    from alembic import command

    head = head_revision()
    with engine.connect() as conn:
        if current_revision(conn) == head:
            return
    with write(engine) as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        current = current_revision(conn)
        if current == head:
            return
        from alembic.script import ScriptDirectory

        cfg = _alembic_config(conn)
        known = {s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions()}
        if current is not None and current not in known:
            raise GradebookError(msg("gradebook_schema_newer", revision=current), where=where,
                                 fix=msg("gradebook_schema_newer_fix"))
        command.upgrade(cfg, "head")


@contextlib.contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """One write transaction (SQLite: BEGIN IMMEDIATE): committed at the end, rolled back on error."""
    with engine.connect().execution_options(gradebook_write=True) as conn, conn.begin():
        yield conn


@contextlib.contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    """A read transaction: one consistent snapshot of the last committed state."""
    with engine.connect() as conn, conn.begin():
        yield conn
