"""Benchmark of the gradebook. Not a test: it prints figures.

    .venv/bin/python bench/gradebook_bench.py [--results 1000] [--students 50] [--postgresql URL]

Records ``--results`` results (realistic ones: every exercise and check of the assignment's
contract, tens of KB of JSON each) for ``--students`` students, each with a notebook, adds an override
to every fifth student, then reads the class's latest grades with the overrides applied. Times:
recording one by one (a transaction each, as a batch does), in bulk (one transaction), and the
read. Recorded as a batch records what the grader has just written (without validating each
result against the JSON schema again; ``gradebook import`` validates, which costs more).
SQLite in a temporary folder; also PostgreSQL when ``--postgresql URL`` is given.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import tempfile
import time
from pathlib import Path

from autograder import __version__
from autograder.assignment import load_assignment
from autograder.gradebook import open_gradebook, store
from autograder.gradebook import repository as repo
from autograder.results import CheckResult, ExerciseResult, GradeResult, Student

KINDS = ("close", "exact", "band", "band_map", "ordering", "letter")


def make_result(a, sid: str, i: int) -> GradeResult:
    rnd = random.Random(i)
    exercises = []
    for e in a.contract.exercises:
        checks = tuple(
            CheckResult(
                c.id,
                e.id,
                c.kind if c.kind in KINDS else "exact",
                "pass",
                float(c.points) * rnd.random(),
                float(c.points),
                obtained=[rnd.random() for _ in range(10)],
                expected=[0.5] * 10,
                tolerance="± 0.001",
            )
            for c in e.checks
        )
        exercises.append(
            ExerciseResult(
                e.id,
                e.number,
                "ok",
                round(sum(c.points for c in checks), 6),
                sum(c.max_points for c in checks),
                "executed",
                checks,
                seconds=1.0,
                series={"loss": [rnd.random() for _ in range(50)]},
            )
        )
    nb = f"{sid}-{i}".encode()
    return GradeResult(
        submission_path=f"subs/{sid}.ipynb",
        submission_sha256=hashlib.sha256(nb).hexdigest(),
        student=Student(sid, f"Student {sid}", f"{sid}@example.edu", "moodle"),
        status="graded",
        score=round(sum(e.score for e in exercises), 6),
        max_score=a.contract.max_score,
        exercises=tuple(exercises),
        graded_at=f"2024-03-{1 + i % 28:02d}T12:{i % 60:02d}:00+00:00",
        grader_version=__version__,
        environment={},
        key={"sha256": "k" * 64, "profile": "smoke"},
        sandbox={},
        assignment=a.identity(),
    )


def bench(location: str, a, n: int, students: int) -> None:
    ids = [f"{2024000 + s}" for s in range(students)]
    texts = [make_result(a, ids[i % students], i).to_json() for i in range(n)]
    size = sum(len(t) for t in texts) / n
    with open_gradebook(location) as gb:
        half = n // 2
        t0 = time.perf_counter()
        for i, text in enumerate(texts[:half]):
            gb.record(text, notebook=f"notebook {i}".encode() * 500, validate=False)  # as a batch does
        one_by_one = time.perf_counter() - t0
        t0 = time.perf_counter()
        with store.write(gb.engine) as conn:
            for i, text in enumerate(texts[half:], half):
                repo.record_attempt(conn, text, notebook_bytes=f"notebook {i}".encode() * 500, validate=False)
        bulk = time.perf_counter() - t0
        exercise = a.contract.exercises[0].id
        for sid in ids[::5]:
            gb.override(sid, a.name, exercise, None, 0.0, who="ta", why="bench")
        t0 = time.perf_counter()
        grades = gb.latest(a.name)
        read = time.perf_counter() - t0
        applied = sum(bool(g.overrides) for g in grades)
    print(f"{store.describe(location)}: {n} results of ~{size / 1024:.0f} KB for {students} students")
    print(
        f"  record {half} one by one (a transaction each): {one_by_one:6.2f} s "
        f"({one_by_one / half * 1000:.1f} ms per result)"
    )
    print(
        f"  record {n - half} in one transaction:          {bulk:6.2f} s "
        f"({bulk / (n - half) * 1000:.1f} ms per result)"
    )
    print(
        f"  read the class's latest grades ({len(grades)} students, {applied} with an override applied): "
        f"{read:6.3f} s"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", type=int, default=1000)
    ap.add_argument("--students", type=int, default=50)
    ap.add_argument("--assignment", default="cnn_treinamento")
    ap.add_argument("--postgresql", default=None, help="a PostgreSQL URL (an empty database)")
    args = ap.parse_args(argv)
    a = load_assignment(args.assignment)
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="gradebook-bench-") as tmp:
        bench(str(Path(tmp) / "gradebook.sqlite"), a, args.results, args.students)
    if args.postgresql:
        bench(args.postgresql, a, args.results, args.students)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
