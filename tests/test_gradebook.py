"""The gradebook (autograder.gradebook) on SQLite and on a real PostgreSQL server: recording attempts,
the latest grade per student with TA overrides, history, undo, comments, import of a results
folder, exports that say which attempt they used, two batch processes writing at once, and a
crash mid-write. The grading here is a fake grade function: these tests are about the record."""

from __future__ import annotations

import dataclasses
import glob
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text

from autograder import __version__
from autograder.assignment import load_assignment
from autograder.batch.executors import InlineExecutor
from autograder.batch.runner import grade_batch
from autograder.cli import main
from autograder.gradebook import (
    NotFound,
    OverrideError,
    apply_overrides,
    open_gradebook,
    store,
)
from autograder.gradebook import models as m
from autograder.gradebook.models import Override
from autograder.gradebook.store import url_of
from autograder.i18n import render
from autograder.keymodel import key_sha256
from autograder.results import CheckResult, ExerciseResult, GradeResult, Student
from tests.common import unavailable

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = REPO / "assignments" / "cnn_treinamento"
A = "cnn_treinamento"
T0 = "2024-03-01T12:00:00+00:00"


# ----------------------------------------------------------------------------- PostgreSQL server


def _pg_bindir() -> Path | None:
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))  # Debian's postgresql package
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server (Debian's ``postgresql`` package) on a free port of 127.0.0.1, its
    data under a temporary folder, run as an unprivileged user when the tests run as root; torn
    down at the end. Under CI=true a missing server is a failure, not a skip."""
    bindir = _pg_bindir()
    if bindir is None:
        unavailable("PostgreSQL is not installed (Debian: apt-get install -y postgresql)")
    user = None
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # initdb refuses to run as root
        import pwd

        for name in ("postgres", "nobody"):
            try:
                user = pwd.getpwnam(name)
                break
            except KeyError:
                continue
        assert user is not None, "no unprivileged user to run PostgreSQL as"
    base = Path(tempfile.mkdtemp(prefix="ag-pg-"))  # under /tmp, reachable by that user
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if user is not None:
        for p in (base, sock):
            os.chown(p, user.pw_uid, user.pw_gid)
    kw: dict = {"user": user.pw_uid, "group": user.pw_gid} if user is not None else {}
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "HOME": str(base)}
    port = _free_port()
    subprocess.run(
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "autograder",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
        ],
        check=True,
        capture_output=True,
        env=env,
        **kw,
    )
    subprocess.run(
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(base / "log.txt"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        ],
        check=True,
        capture_output=True,
        env=env,
        **kw,
    )
    url = f"postgresql://autograder@127.0.0.1:{port}/postgres"
    try:
        yield url
    finally:
        subprocess.run(
            [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            env=env,
            **kw,
        )
        shutil.rmtree(base, ignore_errors=True)


_DB_COUNTER = iter(range(1_000_000))


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty gradebook: a SQLite file, or a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "gradebook.sqlite")
    server = request.getfixturevalue("postgres_url")
    name = f"gb_{os.getpid()}_{next(_DB_COUNTER)}"
    engine = create_engine(url_of(server), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"


# ----------------------------------------------------------------------------- results


def result(
    sid: str,
    points: tuple[float, float] = (5.0, 3.0),
    *,
    graded_at: str = T0,
    notebook: bytes | None = None,
    key: str = "k" * 64,
    status: str = "graded",
) -> GradeResult:
    """A result of two exercises, ex1 (checks c1, c2 of 5 points) and ex2 (check d1 of 10)."""
    sha = hashlib.sha256(notebook or sid.encode()).hexdigest()
    ex1 = ExerciseResult(
        "ex1",
        1,
        "ok",
        points[0],
        10.0,
        "executed",
        (
            CheckResult("c1", "ex1", "close", "pass", min(points[0], 5.0), 5.0),
            CheckResult("c2", "ex1", "close", "fail", max(points[0] - 5.0, 0.0), 5.0),
        ),
    )
    ex2 = ExerciseResult(
        "ex2",
        2,
        "ok",
        points[1],
        10.0,
        "executed",
        (CheckResult("d1", "ex2", "letter", "fail", points[1], 10.0),),
    )
    return GradeResult(
        submission_path=f"/subs/{sid}.ipynb",
        submission_sha256=sha,
        student=Student(sid, f"Nome {sid}", f"{sid}@example.edu", "moodle"),
        status=status,  # type: ignore[arg-type]
        score=sum(points),
        max_score=20.0,
        exercises=(ex1, ex2),
        graded_at=graded_at,
        grader_version=__version__,
        environment={},
        key={"sha256": key, "profile": "smoke"},
        sandbox={},
        assignment={"name": A, "version": "1", "contract_sha256": "c" * 64},
    )


def override(
    check: str | None,
    points: float,
    exercise: str = "ex1",
    oid: int = 1,
    created: str = "2024-03-02T10:00:00",
) -> Override:
    import datetime as dt

    return Override(oid, 1, 1, exercise, check, points, "ta.maria", "why", dt.datetime.fromisoformat(created))


# ----------------------------------------------------------------------------- pure: apply_overrides


def test_apply_overrides_checks_then_exercises_latest_wins_undone_ignored() -> None:
    r = result("ana", (5.0, 3.0))
    same = apply_overrides(r, [])
    assert same is r

    checked = apply_overrides(r, [override("c2", 4.0)])
    ex1 = checked.exercises[0]
    assert [c.points for c in ex1.checks] == [5.0, 4.0] and ex1.score == 9.0 and checked.score == 12.0
    assert r.exercises[0].score == 5.0  # the original is untouched (frozen)
    said = render(checked.messages[-1], "en")  # coded: the report says it in the reader's language
    assert "TA override on ex1:c2: 0 -> 4 points, by ta.maria" in said
    assert "Alteração de monitor em ex1:c2: 0 -> 4 pontos, por ta.maria" in render(checked.messages[-1], "pt")

    later = override("c2", 1.0, oid=2, created="2024-03-03T10:00:00")
    assert apply_overrides(r, [later, override("c2", 4.0)]).score == 9.0  # the most recent one wins
    undone = dataclasses.replace(later, undone_at=later.created_at, undone_by="ta.joao")
    assert apply_overrides(r, [override("c2", 4.0), undone]).score == 12.0

    whole = apply_overrides(r, [override("c2", 4.0), override(None, 10.0, oid=3)])
    assert whole.exercises[0].score == 10.0 and whole.score == 13.0  # the exercise override is the last word
    assert whole.exercises[0].checks[1].points == 4.0

    unknown = apply_overrides(r, [override("zz", 1.0), override(None, 1.0, exercise="ex9", oid=4)])
    assert unknown.score == r.score and sum("not applied" in render(m, "en") for m in unknown.messages) == 2

    penalised = dataclasses.replace(r, score=r.score - 2.0)  # e.g. a late penalty on the total
    assert apply_overrides(penalised, [override("c2", 4.0)]).score == 10.0


# ----------------------------------------------------------------------------- the record


def test_attempts_latest_grade_overrides_undo_comments_history(location: str) -> None:
    with open_gradebook(location) as gb:
        first = gb.record(
            result("ana", (5.0, 3.0)).to_json(),
            notebook=b"nb-ana-1",
            late=True,
            late_info={"late": True, "layout": "canvas"},
            source_file="subs.zip:ana.ipynb",
        )
        again = gb.record(result("ana", (5.0, 3.0)).to_json(), notebook=b"nb-ana-1")
        assert first.new and not again.new and first.attempt_id == again.attempt_id  # the same result: once
        gb.record(result("bia", (2.0, 0.0)).to_json(), notebook=b"nb-bia")
        regraded = gb.record(
            result("ana", (6.0, 3.0), graded_at="2024-03-05T12:00:00+00:00").to_json(),
            notebook=b"nb-ana-1",
            origin="regrade",
        )
        failed = gb.record(
            result("bia", (0.0, 0.0), graded_at="2024-03-06T00:00:00+00:00", status="grader_error").to_json(),
            notebook=b"nb-bia",
        )

        latest = {g.student.lms_id: g for g in gb.latest(A)}
        assert sorted(latest) == ["ana", "bia"]
        assert latest["ana"].attempt.id == regraded.attempt_id and latest["ana"].result.score == 9.0
        assert latest["ana"].submission.late and latest["ana"].submission.late_info["layout"] == "canvas"
        assert latest["ana"].submission.source_file == "subs.zip:ana.ipynb"
        assert latest["bia"].attempt.status == "graded"  # a grader_error is not a grade
        assert f"newest attempt #{failed.attempt_id} is a grader_error" in str(latest["bia"].describe())

        o = gb.override("ana", A, "ex2", "d1", 10.0, who="ta.maria", why="letter (c) is defensible")
        assert o.attempt_id == regraded.attempt_id and o.active
        with pytest.raises(OverrideError, match="outside 0..10") as refused:
            gb.override("ana", A, "ex2", None, 11.0, who="ta.maria", why="x")
        assert refused.value.msg.text("pt") == "11 pontos está fora de 0..10 para ex2"
        with pytest.raises(OverrideError, match="no check 'zz'"):
            gb.override("ana", A, "ex1", "zz", 1.0, who="ta.maria", why="x")
        with pytest.raises(ValueError, match="who made it and why"):
            gb.override("ana", A, "ex1", None, 1.0, who="ta.maria", why=" ")
        with pytest.raises(NotFound) as missing:
            gb.override("nobody", A, "ex1", None, 1.0, who="ta", why="x")
        assert missing.value.msg.id == "gradebook_no_grade"
        ana = gb.latest(A, "ana")[0]
        assert ana.result.score == 16.0 and [x.id for x in ana.overrides] == [o.id]
        described = str(ana.describe())
        assert "1 override(s) applied" in described and f"attempt #{regraded.attempt_id}" in described

        gb.comment("ana", A, "see exercise 2's justification", who="ta.maria", exercise="ex2")
        undone = gb.undo(o.id, who="prof.lima", why="the sheet asks for (b)")
        assert (
            not undone.active
            and undone.undone_by == "prof.lima"
            and undone.undo_why == "the sheet asks for (b)"
        )
        with pytest.raises(ValueError, match="already undone"):
            gb.undo(o.id, who="prof.lima")
        assert gb.latest(A, "ana")[0].result.score == 9.0

        h = gb.history("ana", A)
        assert [a.id for a in h.attempts] == [first.attempt_id, regraded.attempt_id]
        assert [a.origin for a in h.attempts] == ["grade-batch", "regrade"]
        assert len(h.submissions) == 1 and h.overrides[0].undone_by == "prof.lima"
        assert h.comments[0].exercise == "ex2" and h.student.email == "ana@example.edu"
        assert gb.notebook(h.submissions[0].sha256) == b"nb-ana-1"

        # a new submission: the override made on the earlier one does not carry over
        gb.override("ana", A, "ex1", None, 10.0, who="ta.maria", why="again")
        gb.record(
            result("ana", (1.0, 0.0), graded_at="2024-03-07T00:00:00+00:00", notebook=b"v2").to_json(),
            notebook=b"nb-ana-2",
        )
        ana = gb.latest(A, "ana")[0]
        assert ana.result.score == 1.0
        assert "1 override(s) on another submission not applied" in [str(n) for n in ana.notes]


def test_schema_from_migrations_matches_the_models(location: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from autograder.gradebook.store import head_revision

    gb = open_gradebook(location)
    open_gradebook(location).close()  # opening again migrates nothing
    with gb.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
        diffs = compare_metadata(MigrationContext.configure(conn), m.metadata)
    gb.close()
    assert diffs == []


# ----------------------------------------------------------------------------- batch, import, export


@dataclasses.dataclass(frozen=True)
class FakeGrader:
    """A grade function: score from the notebook's metadata, optional sleep; no kernel."""

    key_sha: str
    sleep: float = 0.0

    def __call__(self, path: Path, student: Student) -> GradeResult:
        raw = path.read_bytes()
        score = float(json.loads(raw)["metadata"].get("score", 4.0))
        time.sleep(self.sleep)
        r = result(student.id, (min(score, 10.0), 0.0), key=self.key_sha)
        return dataclasses.replace(
            r,
            submission_sha256=hashlib.sha256(raw).hexdigest(),
            graded_at=time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
            assignment=load_assignment(ASSIGNMENT).identity(),
        )


def notebook(path: Path, score: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"cells": [], "metadata": {"score": score}, "nbformat": 4, "nbformat_minor": 5})
    )
    return path


@pytest.fixture()
def key(tmp_path: Path) -> Path:
    k = tmp_path / "key.json"
    shutil.copy(ASSIGNMENT / "keys" / "smoke" / "key.json", k)
    return k


def batch(subs: Path, key: Path, out: Path, gb_location: str, sleep: float = 0.0):
    with open_gradebook(gb_location) as gb:
        return grade_batch(
            subs,
            key,
            out,
            assignment=load_assignment(ASSIGNMENT),
            executor=InlineExecutor(FakeGrader(key_sha256(key), sleep)),
            gradebook=gb,
        )


def test_batch_records_resumes_from_the_gradebook_and_import_rebuilds_it(tmp_path: Path, key: Path) -> None:
    location = str(tmp_path / "out" / "gradebook.sqlite")
    for i, sid in enumerate(["ana", "bia", "caio"]):
        notebook(tmp_path / "subs" / f"{sid}.ipynb", i + 1)
    (tmp_path / "out").mkdir()
    first = batch(tmp_path / "subs", key, tmp_path / "out", location)
    assert [r.action for r in first.rows] == ["graded"] * 3 and first.gradebook.endswith("gradebook.sqlite")
    with open_gradebook(location) as gb:
        assert [(g.student.lms_id, g.result.score) for g in gb.latest(A)] == [
            ("ana", 1.0),
            ("bia", 2.0),
            ("caio", 3.0),
        ]
        original = {g.student.lms_id: g.attempt.result_json for g in gb.latest(A)}

    shutil.rmtree(tmp_path / "out" / "results")  # lost result files: the gradebook still has them
    second = batch(tmp_path / "subs", key, tmp_path / "out", location)
    assert [r.action for r in second.rows] == ["kept"] * 3
    for sid, result_text in original.items():
        assert (tmp_path / "out" / "results" / f"{sid}.json").read_text() == result_text

    rebuilt = str(tmp_path / "rebuilt.sqlite")
    res = CliRunner().invoke(
        main, ["gradebook", "import", str(tmp_path / "out" / "results"), "--gradebook", rebuilt]
    )
    assert res.exit_code == 0 and "3 attempt(s) recorded, 0 already there" in res.output
    res = CliRunner().invoke(
        main, ["gradebook", "import", str(tmp_path / "out" / "results"), "--gradebook", rebuilt]
    )
    assert "0 attempt(s) recorded, 3 already there" in res.output
    with open_gradebook(rebuilt) as gb:
        assert {g.student.lms_id: g.attempt.result_json for g in gb.latest(A)} == original


def test_cli_override_show_history_undo_and_export_from_the_gradebook(tmp_path: Path, key: Path) -> None:
    location = str(tmp_path / "gb.sqlite")
    for sid, score in (("ana", 4), ("bia", 9)):
        notebook(tmp_path / "subs" / f"{sid}.ipynb", score)
    batch(tmp_path / "subs", key, tmp_path / "out", location)
    run = CliRunner().invoke

    with open_gradebook(location) as gb:
        ana_attempt, bia_attempt = (gb.latest(A, sid)[0].attempt.id for sid in ("ana", "bia"))
    res = run(
        main,
        [
            "gradebook",
            "override",
            "ana",
            "ex2:d1",
            "7",
            "--gradebook",
            location,
            "--who",
            "ta.maria",
            "--why",
            "justification accepted",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "override #1: ana ex2:d1 = 7 points" in res.output and "ana: 11/20 from attempt #" in res.output
    res = run(
        main,
        ["gradebook", "override", "ana", "ex2", "70", "--gradebook", location, "--who", "x", "--why", "y"],
    )
    assert res.exit_code == 2 and "outside 0..10" in res.output
    res = run(main, ["gradebook", "show", "--gradebook", location])
    assert res.exit_code == 0 and "cnn_treinamento: 2 student(s)" in res.output
    assert [ln.split()[1:4] for ln in res.output.splitlines() if ln.startswith("ana ")] == [
        ["11/20", "graded", "#" + str(ana_attempt)]
    ]

    out = tmp_path / "grades.csv"
    res = run(
        main,
        ["export", "csv", "--from-gradebook", location, "--out", str(out), "--assignment", str(ASSIGNMENT)],
    )
    assert res.exit_code == 0, res.output
    assert "the latest grade of each with overrides applied" in res.output
    assert (
        f"ana: 11/20 from attempt #{ana_attempt} (graded" in res.output
        and "1 override(s) applied" in res.output
    )
    assert f"bia: 9/20 from attempt #{bia_attempt} (graded" in res.output
    rows = out.read_text(encoding="utf-8")
    assert "ana" in rows and "d1" in rows

    res = run(main, ["gradebook", "undo", "1", "--gradebook", location, "--who", "prof.lima", "--why", "no"])
    assert res.exit_code == 0 and "undone by prof.lima" in res.output
    res = run(
        main, ["gradebook", "comment", "ana", "talk to me", "--gradebook", location, "--who", "prof.lima"]
    )
    assert res.exit_code == 0
    res = run(main, ["gradebook", "history", "ana", "--gradebook", location])
    assert res.exit_code == 0
    assert f"override #1 ex2:d1 = 7 points on attempt #{ana_attempt}, by ta.maria" in res.output
    assert "undone by prof.lima" in res.output and "comment #1 by prof.lima" in res.output
    res = run(main, ["gradebook", "history", "zoe", "--gradebook", location])
    assert res.exit_code == 11 and "no student 'zoe'" in res.output


# ----------------------------------------------------------------------------- concurrency and crashes

WRITER = """
import sys
from pathlib import Path
from tests.test_gradebook import batch
subs, key, out, location = sys.argv[1:5]
batch(Path(subs), Path(key), Path(out), location, sleep=0.01)
"""


def test_two_batch_processes_writing_one_gradebook_lose_nothing(
    location: str, tmp_path: Path, key: Path
) -> None:
    ids = [f"s{i:02d}" for i in range(15)]
    for i, sid in enumerate(ids):  # the same class, downloaded twice: every student graded by both
        notebook(tmp_path / "subs_a" / f"{sid}.ipynb", i % 10)
        notebook(tmp_path / "subs_b" / f"{sid}.ipynb", (i + 1) % 10)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                str(tmp_path / f"subs_{x}"),
                str(key),
                str(tmp_path / f"out_{x}"),
                location,
            ],
            cwd=REPO,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for x in "ab"
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err

    with open_gradebook(location) as gb, gb.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(m.students)).scalar_one() == 15
        assert conn.execute(select(func.count()).select_from(m.submissions)).scalar_one() == 30
        assert conn.execute(select(func.count()).select_from(m.attempts)).scalar_one() == 30
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
        written = {p.read_text() for x in "ab" for p in (tmp_path / f"out_{x}" / "results").glob("*.json")}
        recorded = {r[0] for r in conn.execute(select(m.attempts.c.result_json))}
        assert written == recorded  # every result file is in the gradebook, byte for byte
        assert len(gb.latest(A)) == 15


class _LockedAtFirst:
    """A real SQLite cursor whose first ``PRAGMA journal_mode=WAL`` calls fail the way SQLite's
    deadlock avoidance fails them (at once, "database is locked", no busy wait)."""

    def __init__(self, cursor: sqlite3.Cursor, failures: int, error: str = "database is locked") -> None:
        self.cursor, self.failures, self.error = cursor, failures, error

    def execute(self, sql: str) -> sqlite3.Cursor:
        if sql == "PRAGMA journal_mode=WAL" and self.failures:
            self.failures -= 1
            raise sqlite3.OperationalError(self.error)
        return self.cursor.execute(sql)


def test_a_new_gradebook_file_reaches_wal_mode_when_sqlite_answers_locked_at_once(tmp_path: Path) -> None:
    # Two batches opening one new gradebook: the CI saw one of them fail with "database is locked".
    conn = sqlite3.connect(tmp_path / "g.sqlite", isolation_level=None)
    flaky = _LockedAtFirst(conn.cursor(), failures=3)
    store._into_wal(flaky)  # type: ignore[arg-type]
    assert flaky.failures == 0
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    broken = _LockedAtFirst(sqlite3.connect(tmp_path / "h.sqlite").cursor(), 1, "disk I/O error")
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        store._into_wal(broken)  # type: ignore[arg-type]  # only a lock is waited for


CRASHER = """
import sys, time
from autograder.gradebook import open_gradebook, store
from autograder.gradebook import repository as repo
from tests.test_gradebook import result
gb = open_gradebook(sys.argv[1])
with store.write(gb.engine) as conn:
    for i in range(20):
        repo.record_attempt(conn, result(f"late{i}").to_json(), notebook_bytes=b"x" * 100_000)
    print("inside", flush=True)
    time.sleep(120)
"""


def test_a_crash_mid_write_leaves_the_previous_state_readable(location: str, tmp_path: Path) -> None:
    with open_gradebook(location) as gb:
        before = gb.record(result("ana").to_json(), notebook=b"nb")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASHER, location], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "inside"
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    with open_gradebook(location) as gb:  # readable at once, as it was before the crash
        assert [(g.student.lms_id, g.attempt.id) for g in gb.latest(A)] == [("ana", before.attempt_id)]
        after = gb.record(result("bia").to_json())  # and writable
        assert after.new
        with gb.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"


def test_grade_batch_cli_refuses_a_cluster_that_is_not_local(
    tmp_path: Path, key: Path, keras_home: Path
) -> None:
    notebook(tmp_path / "subs" / "ana.ipynb", 1)
    res = CliRunner().invoke(
        main,
        [
            "grade-batch",
            str(tmp_path / "subs"),
            "--out",
            str(tmp_path / "out"),
            "--key",
            str(key),
            "--assignment",
            str(ASSIGNMENT),
            "--cluster",
            "remote:3",
        ],
    )
    assert res.exit_code == 2 and "--cluster must be local or local:N" in res.output
