"""Late work (autograder/late.py): the policy, the assessment, the record in result.json, and the
batch hook that carries each LMS's own late information into the result."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from autograder import late
from autograder.batch.jobs import Job, run_job
from autograder.errors import AssignmentError
from autograder.results import GradeResult, Student, load_result, result_from_dict

BRT = timezone(timedelta(hours=-3))
DUE = datetime(2026, 5, 31, 23, 59, tzinfo=BRT)


def result(score: float = 80.0, student: Student | None = None, status: str = "graded") -> GradeResult:
    """A minimal, schema-valid result (no exercises: late work only looks at the totals)."""
    return GradeResult(
        submission_path="x.ipynb", submission_sha256="0" * 64, student=student or Student("ana", "Ana"),
        status=status, score=score, max_score=100.0, exercises=(), graded_at="2026-06-01T00:00:00+00:00",
        grader_version="0", environment={}, key={"sha256": "k"}, sandbox={})


def policy(**kw: object) -> late.LatePolicy:
    return late.LatePolicy.from_mapping({"due": DUE.isoformat(), **kw})


def test_policy_from_the_manifest_table_and_its_errors() -> None:
    p = policy(grace="15m", penalty_per_day=10, cap=30)
    assert p.due == DUE and p.grace_s == 900 and p.per_day == 10 and p.cap == 30 and not p.refuse
    assert late.LatePolicy.from_dict(p.to_dict()) == p
    assert late.parse_duration("2h") == 7200 and late.parse_duration(30) == 1800
    for bad, match in (({"penalty_per_day": 10, "penalty_per_hour": 1}, "not both"),
                       ({"penalty_per_day": 150}, "between 0 and 100"), ({"grace": "soon"}, "duration"),
                       ({"refuse": "yes"}, "true or false"), ({"due": "31/05/2026"}, "ISO 8601"),
                       ({"penalty": 5}, "unknown key")):
        with pytest.raises(ValueError, match=match):
            late.LatePolicy.from_mapping(bad)


def test_penalty_per_started_day_with_grace_and_cap() -> None:
    p = policy(grace="15m", penalty_per_day=10, cap=30)
    on_time = late.apply(result(), p, late.Submitted(DUE - timedelta(hours=1), None, "test"))
    assert on_time.score == 80 and on_time.late is not None and on_time.late["late"] is False
    grace = late.apply(result(), p, late.Submitted(DUE + timedelta(minutes=10), None, "test"))
    assert grace.score == 80 and grace.late["within_grace"] is True  # type: ignore[index]
    two_days = late.apply(result(), p, late.Submitted(DUE + timedelta(days=1, minutes=1), None, "test"))
    assert two_days.late is not None
    assert (two_days.late["periods"], two_days.late["penalty_percent"], two_days.score) == (2, 20, 60)
    assert two_days.late["raw_score"] == 80 and two_days.late["penalty_points"] == 20
    capped = late.apply(result(), p, late.Submitted(DUE + timedelta(days=9), None, "test"))
    assert capped.score == 50  # 30% of the maximum at most
    again = late.apply(two_days, p.with_due(DUE + timedelta(hours=23)), late.Submitted(
        DUE + timedelta(days=1, minutes=1), None, "test"))
    assert again.score == 70 and again.late["raw_score"] == 80  # type: ignore[index]  # from the raw score


def test_per_hour_refuse_floor_and_the_lms_mark() -> None:
    hourly = policy(penalty_per_hour=5)
    r = late.apply(result(), hourly, late.Submitted(DUE + timedelta(hours=2, minutes=1), None, "t"))
    assert r.late["unit"] == "hour" and r.late["periods"] == 3 and r.score == 65  # type: ignore[index]
    floor = late.apply(result(score=10), policy(penalty_per_day=50), late.Submitted(DUE + timedelta(days=1)))
    assert floor.score == 0  # never below 0
    refused = late.apply(result(), policy(refuse=True), late.Submitted(DUE + timedelta(minutes=1)))
    assert refused.score == 0 and refused.late["refused"] is True  # type: ignore[index]
    canvas = late.apply(result(), policy(penalty_per_day=10), late.Submitted(None, True, "canvas LATE_ mark"))
    assert canvas.score == 70 and canvas.late["estimated"] is True  # type: ignore[index]
    assert late.apply(result(), policy(penalty_per_day=10), late.Submitted(None, False)).score == 80
    assert late.apply(result(), None, late.Submitted(DUE + timedelta(days=3))).late is None
    failed = late.apply(result(status="grader_error"), policy(penalty_per_day=10),
                        late.Submitted(DUE + timedelta(days=3)))
    assert failed.late is None  # a grader error is never penalised
    assert "dia(s)" in late.sentence(canvas.late, "pt")
    assert "one day charged" in late.sentence(canvas.late, "en")


def test_the_record_is_valid_result_json_and_round_trips() -> None:
    r = late.apply(result(), policy(penalty_per_day=10), late.Submitted(DUE + timedelta(hours=5), None, "t"))
    back = result_from_dict(json.loads(r.to_json()))
    assert back.late == r.late and back.score == 70
    assert result_from_dict(json.loads(result().to_json())).late is None  # older results: no late field


def test_manifest_accessor(tmp_path: Path) -> None:
    from autograder.assignment import load_assignment
    from autograder.scaffold import scaffold

    folder = tmp_path / "mod"
    scaffold("mod_late", folder, None)
    manifest = folder / "assignment.toml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text('submission = "lista*.ipynb"\n' + text + '\n[late]\ndue = 2026-05-31T23:59:00-03:00\n'
                        'penalty_per_day = 10\n', encoding="utf-8")
    a = load_assignment(folder)
    assert a.late_policy is not None and a.late_policy.due == DUE and a.submission_pattern == "lista*.ipynb"
    manifest.write_text(text + "\n[late]\npenalty_per_day = 200\n", encoding="utf-8")
    with pytest.raises(AssignmentError, match="between 0 and 100"):
        _ = load_assignment(folder).late_policy


@dataclasses.dataclass(frozen=True)
class Fixed:
    score: float

    def __call__(self, path: Path, student: Student) -> GradeResult:
        return result(self.score, student)


def test_a_batch_job_records_the_lms_time_and_a_grader_error_is_not_penalised(tmp_path: Path) -> None:
    sub = tmp_path / "nb.ipynb"
    sub.write_text("{}", encoding="utf-8")
    job = Job(submission=str(sub), origin="subs/nb.ipynb", submission_sha256="0" * 64,
              student={"id": "2024001", "name": "Ana", "email": "", "source": "gradescope"}, key_path="k",
              key_sha256="k", assignment="a", options={}, result_path=str(tmp_path / "r.json"),
              log_path=str(tmp_path / "r.log"), max_score=100.0,
              submitted_at=(DUE + timedelta(days=2)).isoformat(),
              late_policy=policy(penalty_per_day=10).to_dict())
    outcome = run_job(job, Fixed(90.0))
    stored = load_result(tmp_path / "r.json")
    assert outcome.score == 70 and stored.score == 70 and stored.late is not None
    assert stored.late["raw_score"] == 90 and stored.late["source"] == "gradescope export"

    def broken(path: Path, student: Student) -> GradeResult:
        raise RuntimeError("boom")

    run_job(job, broken)
    assert load_result(tmp_path / "r.json").late is None
