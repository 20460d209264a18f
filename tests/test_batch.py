"""Batch grading: discovery of LMS layouts, and the runner's orchestration (resume, atomic results,
crashes, kill -9). The runner tests use a fake grade function: they test orchestration only; the
end-to-end test with the real grader lives elsewhere."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from autograder import __version__
from autograder.api import GradeOptions
from autograder.assignment import load_assignment
from autograder.batch import BatchError
from autograder.batch.discover import discover, extract_zip, parse_gradescope_metadata
from autograder.batch.executors import InlineExecutor, LocalProcessExecutor
from autograder.batch.jobs import Outcome, options_from_dict, options_to_dict
from autograder.batch.progress import TerminalProgress
from autograder.batch.runner import (
    cli_grade_batch,
    default_workers,
    format_table,
    grade_batch,
    kept_result,
    print_table,
)
from autograder.i18n import render
from autograder.keymodel import key_sha256
from autograder.naming import safe_name
from autograder.results import RESULT_SCHEMA_VERSION, GradeResult, Student, load_result

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = REPO / "assignments" / "cnn_treinamento"


def notebook(path: Path, fake: dict | None = None, mtime: float | None = None) -> Path:
    """A minimal .ipynb; ``fake`` tells FakeGrader what to do with it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": [], "metadata": {"fake": fake or {}}, "nbformat": 4,
                                "nbformat_minor": 5}), encoding="utf-8")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def kinds(found) -> list[tuple[str, str]]:
    return sorted((p.kind, Path(p.path.split(":")[-1]).name) for p in found.problems)


# ----------------------------------------------------------------------------- discovery

def test_moodle_folders_both_versions_and_flat_files(tmp_path: Path) -> None:
    notebook(tmp_path / "Ana Silva_101_assignsubmission_file_" / "lista.ipynb")  # Moodle 3.x
    notebook(tmp_path / "João Souza_102_assignsubmission_file" / "sub" / "nb.ipynb")  # 4.x, subfolder
    notebook(tmp_path / "Bia Lima_103_assignsubmission_file_minha lista.ipynb")  # flat variant
    (tmp_path / "Caio Reis_104_assignsubmission_onlinetext").mkdir()
    (tmp_path / "Caio Reis_104_assignsubmission_onlinetext" / "onlinetext.html").write_text("oi")
    (tmp_path / "Dani_105_assignsubmission_file").mkdir()
    (tmp_path / "Dani_105_assignsubmission_file" / "trabalho.pdf").write_bytes(b"%PDF")
    notebook(tmp_path / "random.ipynb")

    found = discover(tmp_path)

    assert found.layout == "moodle"
    by_id = {s.student.id: s for s in found.submissions}
    assert sorted(by_id) == ["101", "102", "103"]
    assert by_id["102"].student == Student(id="102", name="João Souza", source="moodle")
    assert by_id["102"].path.name == "nb.ipynb"
    assert by_id["103"].student.name == "Bia Lima"
    assert by_id["101"].origin == f"{tmp_path}/Ana Silva_101_assignsubmission_file_/lista.ipynb"
    assert kinds(found) == [("no_notebook", "Caio Reis_104_assignsubmission_onlinetext"),
                            ("no_notebook", "Dani_105_assignsubmission_file"),
                            ("unparseable_name", "random.ipynb")]


def test_moodle_zip_with_wrapper_folder_keeps_mtimes_and_grades_newest(tmp_path: Path) -> None:
    archive = tmp_path / "turma-lista3-77.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        old = zipfile.ZipInfo("download/Ana Silva_101_assignsubmission_file/v1.ipynb", (2024, 5, 1, 10, 0, 0))
        new = zipfile.ZipInfo("download/Ana Silva_101_assignsubmission_file/v2.ipynb", (2024, 5, 2, 10, 0, 0))
        zf.writestr(new, "{}")
        zf.writestr(old, "{}")
        zf.writestr("download/Bia Lima_102_assignsubmission_file/x.ipynb", "{}")

    found = discover(archive, extract_to=tmp_path / "x")

    assert found.layout == "moodle" and found.extracted_to == tmp_path / "x"
    ana = next(s for s in found.submissions if s.student.id == "101")
    assert ana.path.name == "v2.ipynb"
    assert ana.origin == "turma-lista3-77.zip:download/Ana Silva_101_assignsubmission_file/v2.ipynb"
    assert kinds(found) == [("multiple_notebooks", "v1.ipynb")]
    assert "graded the newest" in str(found.problems[0].message)


def test_duplicate_student_across_entries_grades_newest(tmp_path: Path) -> None:
    notebook(tmp_path / "Ana Silva_101_assignsubmission_file" / "a.ipynb", mtime=1_700_000_000)
    notebook(tmp_path / "Ana S Silva_101_assignsubmission_file" / "b.ipynb", mtime=1_700_000_900)

    found = discover(tmp_path)

    assert [s.path.name for s in found.submissions] == ["b.ipynb"]
    assert kinds(found) == [("duplicate_student", "a.ipynb")]


def test_canvas_names_late_and_anonymous(tmp_path: Path) -> None:
    """Names as github:instructure/canvas-lms lib/content_zipper.rb writes them (get_filename,
    add_upload_submission): name_[LATE_]userid_attachmentid_displayname, LATE_anon_<id>_...;
    more in tests/test_lms_canvas.py."""
    notebook(tmp_path / "silvaana_4401_99001_lista3.ipynb")
    notebook(tmp_path / "souzajoao_LATE_4402_99002_Lista 3 final-1.ipynb")
    notebook(tmp_path / "LATE_anon_Xy12z_99003_nb.ipynb")
    (tmp_path / "limabia_4404_99004_respostas.pdf").write_bytes(b"%PDF")
    notebook(tmp_path / "lista3.ipynb")

    found = discover(tmp_path)

    assert found.layout == "canvas"
    by_id = {s.student.id: s for s in found.submissions}
    assert sorted(by_id) == ["4401", "4402", "anon_Xy12z"]
    assert by_id["4401"].student == Student(id="4401", name="silvaana", source="canvas")
    assert by_id["4402"].late and not by_id["4401"].late
    assert by_id["anon_Xy12z"].late and by_id["anon_Xy12z"].student.name == ""
    assert kinds(found) == [("no_notebook", "limabia_4404_99004_respostas.pdf"),
                            ("unparseable_name", "lista3.ipynb")]


GRADESCOPE_YML = """\
---
submission_1001:
  :submitters:
  - :name: Ana Silva
    :sid: '2024001'
    :email: ana@example.org
  :created_at: 2024-05-01 10:00:00.000000000 -03:00
  :score: 0.0
  :history:
  - :id: 999
    :created_at: 2024-04-30 10:00:00.000000000 -03:00
submission_1002:
  :submitters:
  - :name: "Jo\\u00e3o Souza"
    :sid:
    :email: joao@example.org
  - :name: Bia Lima
    :sid: '2024003'
    :email: bia@example.org
submission_1003:
  :submitters:
  - :name: Sem Id
    :sid:
    :email:
submission_1004:
  :submitters:
  - :name: Caio Reis
    :sid: '2024004'
"""


def test_gradescope_metadata_parser_reads_submitters_only() -> None:
    parsed = parse_gradescope_metadata(GRADESCOPE_YML)
    meta = parsed.submitters
    assert meta["submission_1001"] == [{"name": "Ana Silva", "sid": "2024001", "email": "ana@example.org"}]
    assert [s["name"] for s in meta["submission_1002"]] == ["João Souza", "Bia Lima"]
    assert meta["submission_1002"][0]["sid"] == ""
    assert meta["submission_1004"] == [{"name": "Caio Reis", "sid": "2024004"}]
    assert parsed.malformed == {}
    unquoted = parse_gradescope_metadata("submission_1:\n  :submitters:\n  - :sid: 2024001\n")
    assert unquoted.submitters == {"submission_1": [{"sid": "2024001"}]}


def test_gradescope_metadata_that_is_not_yaml_costs_only_the_broken_entry() -> None:
    broken = GRADESCOPE_YML.replace("  - :name: Bia Lima", "  - :name: 'Bia Lima\n    oops: [")
    meta = parse_gradescope_metadata(broken)
    assert sorted(meta.submitters) == ["submission_1001", "submission_1003", "submission_1004"]
    assert list(meta.malformed) == ["submission_1002"]
    assert str(meta.malformed["submission_1002"]).startswith("line 19: ")
    bad_date = parse_gradescope_metadata("submission_1:\n  :created_at: 2024-13-45 10:00:00\n"
                                         "submission_2:\n  :submitters:\n  - :sid: '7'\n")
    assert bad_date.submitters == {"submission_2": [{"sid": "7"}]}
    assert "month" in bad_date.malformed["submission_1"]
    assert str(parse_gradescope_metadata("- a\n- b\n").malformed[""]).startswith("it holds a YAML list")
    wrong = parse_gradescope_metadata("submission_1:\n  :submitters: 3\nsubmission_2: [1]\n")
    assert {k: str(v) for k, v in wrong.malformed.items()} == {"submission_1": ":submitters: is not a list",
                                                              "submission_2": "its entry is not a mapping"}


def test_gradescope_export_zip(tmp_path: Path) -> None:
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        root = "assignment_555_export/"
        zf.writestr(root + "submission_metadata.yml", GRADESCOPE_YML)
        zf.writestr(root + "submission_1001/lista.ipynb", "{}")
        zf.writestr(root + "submission_1002/grupo.ipynb", "{}")
        zf.writestr(root + "submission_1003/x.ipynb", "{}")
        zf.writestr(root + "submission_9999/stray.ipynb", "{}")

    found = discover(archive, extract_to=tmp_path / "x")

    assert found.layout == "gradescope"
    students = {s.student.id: s.student for s in found.submissions}
    assert sorted(students) == ["2024001", "2024003", "joao@example.org"]  # a group: one per submitter
    assert students["2024001"] == Student("2024001", "Ana Silva", "ana@example.org", "gradescope")
    assert kinds(found) == [("no_notebook", "submission_1004"),
                            ("unparseable_name", "submission_1003"),
                            ("unparseable_name", "submission_9999")]


def test_lms_submission_times_reach_discovery(tmp_path: Path) -> None:
    """Gradescope's export records :created_at: per submission; a Canvas file carries LATE_ but
    no time; a Moodle download carries no time at all (the worksheet does: tests/test_lms_moodle.py)."""
    (tmp_path / "submission_metadata.yml").write_text(GRADESCOPE_YML, encoding="utf-8")
    notebook(tmp_path / "submission_1001" / "lista.ipynb")
    found = discover(tmp_path)
    ana = next(s for s in found.submissions if s.student.id == "2024001")
    assert ana.submitted_at == "2024-05-01T10:00:00-03:00" and not ana.late
    canvas = tmp_path / "canvas"
    notebook(canvas / "souzaana_LATE_4402_99002_lista.ipynb")
    notebook(canvas / "limabia_4403_99003_lista.ipynb")
    by_id = {s.student.id: s for s in discover(canvas).submissions}
    assert by_id["4402"].late and by_id["4402"].submitted_at == "" and not by_id["4403"].late


def test_gradescope_malformed_metadata_is_a_problem_of_that_submission(tmp_path: Path) -> None:
    (tmp_path / "submission_metadata.yml").write_text(
        GRADESCOPE_YML.replace("  - :name: Bia Lima", "  - :name: 'Bia Lima\n    oops: ["), encoding="utf-8")
    for folder in ("submission_1001", "submission_1002"):
        notebook(tmp_path / folder / "lista.ipynb")

    found = discover(tmp_path)

    assert [s.student.id for s in found.submissions] == ["2024001"]
    broken = [p for p in found.problems if p.path.endswith("submission_1002")]
    assert len(broken) == 1 and broken[0].kind == "unparseable_name"
    said = broken[0].message
    assert "malformed (line 19" in str(said) and "not graded" in str(said)
    assert "malformada (linha 19" in said.text("pt") and "não corrigido" in said.text("pt")

    (tmp_path / "submission_metadata.yml").write_text("[not, a, mapping]\n", encoding="utf-8")
    found = discover(tmp_path)
    assert found.submissions == () and kinds(found) == [("unparseable_name", "submission_1001"),
                                                        ("unparseable_name", "submission_1002")]
    assert all("submission_metadata.yml cannot be used" in str(p.message) for p in found.problems)


def test_plain_files(tmp_path: Path) -> None:
    notebook(tmp_path / "2024001.ipynb")
    notebook(tmp_path / "ana.silva.ipynb")
    notebook(tmp_path / "turma_2024_01_x.ipynb")  # looks like Canvas, alone: still plain
    (tmp_path / "notas.csv").write_text("x")
    notebook(tmp_path / "alguem" / "nb.ipynb")
    (tmp_path / ".ipynb_checkpoints").mkdir()

    found = discover(tmp_path)

    assert found.layout == "plain"
    assert [s.student for s in found.submissions] == [Student("2024001", source="filename"),
                                                      Student("ana.silva", source="filename"),
                                                      Student("turma_2024_01_x", source="filename")]
    assert kinds(found) == [("not_a_notebook", "notas.csv"), ("unparseable_name", "alguem")]


def test_zip_slip_absolute_and_symlink_members_are_rejected(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../escaped.ipynb", "{}")
        zf.writestr("ok/../../escaped2.ipynb", "{}")
        zf.writestr("/abs.ipynb", "{}")
        link = zipfile.ZipInfo("link.ipynb")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("good.ipynb", "{}")
    dest = tmp_path / "out" / "x"

    problems = extract_zip(archive, dest)

    assert sorted(p.kind for p in problems) == ["unsafe_member"] * 4
    assert not (tmp_path / "out" / "escaped.ipynb").exists() and not (tmp_path / "escaped2.ipynb").exists()
    assert [p.name for p in dest.rglob("*")] == ["good.ipynb"]
    assert not any(p.is_symlink() for p in dest.rglob("*"))


def test_zip_over_the_size_cap_stops_the_batch(tmp_path: Path) -> None:
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.ipynb", "0" * 200_000)
    with pytest.raises(BatchError, match="over the limit"):
        discover(archive, extract_to=tmp_path / "x", max_bytes=100_000)


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BatchError, match="No submissions"):
        discover(tmp_path / "nope")


# ----------------------------------------------------------------------------- runner (fake grader)

@dataclass(frozen=True)
class FakeGrader:
    """Grades by the notebook's metadata ``fake``: {"score": n} or {"do": "raise" | "exit"}. Appends
    its pid to ``<counter_dir>/<student>.count`` at each call, so tests can count gradings."""

    counter_dir: str
    key_sha: str
    sleep: float = 0.0

    def __call__(self, path: Path, student: Student) -> GradeResult:
        with open(Path(self.counter_dir) / f"{student.id}.count", "a") as fh:
            fh.write(f"{os.getpid()}\n")
        (Path(self.counter_dir) / f"{student.id}.env").write_text(os.environ.get("BATCH_MARK", ""))
        raw = path.read_bytes()
        fake = json.loads(raw)["metadata"]["fake"]
        time.sleep(self.sleep)
        if fake.get("do") == "raise":
            raise ValueError("a hostile notebook broke the grader")
        if fake.get("do") == "exit":
            os._exit(3)
        return GradeResult(
            submission_path=str(path), submission_sha256=hashlib.sha256(raw).hexdigest(), student=student,
            status="graded", score=float(fake.get("score", 50)), max_score=100.0, exercises=(),
            graded_at="2024-01-01T00:00:00+00:00", grader_version=__version__, environment={},
            key={"sha256": self.key_sha}, sandbox={})


def counts(counter_dir: Path) -> dict[str, int]:
    return {p.stem: len(p.read_text().split()) for p in counter_dir.glob("*.count")}


@pytest.fixture()
def batch(tmp_path: Path) -> dict[str, Path]:
    subs, counter = tmp_path / "subs", tmp_path / "counter"
    counter.mkdir()
    key = tmp_path / "key.json"
    shutil.copy(ASSIGNMENT / "keys" / "smoke" / "key.json", key)
    return {"subs": subs, "counter": counter, "key": key, "out": tmp_path / "out"}


def run_inline(b: dict[str, Path], **kw):
    fake = FakeGrader(str(b["counter"]), key_sha256(b["key"]))
    return grade_batch(b["subs"], b["key"], b["out"], assignment=load_assignment(ASSIGNMENT),
                       executor=InlineExecutor(fake), **kw)


def test_results_summary_and_resume_regrades_only_what_changed(batch: dict[str, Path]) -> None:
    for i, sid in enumerate(["ana", "bia", "caio"]):
        notebook(batch["subs"] / f"{sid}.ipynb", {"score": 10 * (i + 1)})
    (batch["subs"] / "leia-me.txt").write_text("x")
    stream = io.StringIO()

    first = run_inline(batch, progress=TerminalProgress(stream, tty=False))

    results = batch["out"] / "results"
    assert sorted(p.name for p in results.iterdir()) == ["ana.json", "bia.json", "caio.json"]
    assert load_result(results / "bia.json").score == 20
    assert load_result(results / "bia.json").submission_path.endswith("subs/bia.ipynb")
    assert [r.action for r in first.rows] == ["graded"] * 3
    summary = json.loads((batch["out"] / "summary.json").read_text())
    assert summary["counts"]["graded_now"] == 3 and summary["layout"] == "plain"
    assert "[not_a_notebook]" in (batch["out"] / "problems.txt").read_text()
    lines = stream.getvalue().splitlines()
    assert len([ln for ln in lines if ln.startswith("[")]) == 3 and "3/3 done, 0 failed" in lines[-1]
    assert "caio" in format_table(first) and "30/100" in format_table(first)

    second = run_inline(batch)
    assert [r.action for r in second.rows] == ["kept"] * 3
    assert counts(batch["counter"]) == {"ana": 1, "bia": 1, "caio": 1}

    notebook(batch["subs"] / "bia.ipynb", {"score": 99})  # bia resubmits
    third = run_inline(batch)
    assert counts(batch["counter"]) == {"ana": 1, "bia": 2, "caio": 1}
    assert {r.student_id: r.action for r in third.rows}["bia"] == "graded"

    batch["key"].write_text(json.dumps(json.loads(batch["key"].read_text()), indent=2))  # a new key
    run_inline(batch)
    assert counts(batch["counter"]) == {"ana": 2, "bia": 3, "caio": 2}


def test_a_raising_grader_gives_grader_error_and_is_retried_next_time(batch: dict[str, Path]) -> None:
    notebook(batch["subs"] / "ana.ipynb", {"score": 10})
    notebook(batch["subs"] / "hostil.ipynb", {"do": "raise"})

    summary = run_inline(batch)

    statuses = {r.student_id: r.status for r in summary.rows}
    assert statuses == {"ana": "graded", "hostil": "grader_error"}
    err = load_result(batch["out"] / "results" / "hostil.json")
    assert err.status == "grader_error" and "ValueError: a hostile notebook" in err.messages[0]
    run_inline(batch)
    assert counts(batch["counter"]) == {"ana": 1, "hostil": 2}


def test_kept_result_needs_same_submission_key_version_and_status(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    base = {"schema": "dl-autograder/result", "schema_version": RESULT_SCHEMA_VERSION, "status": "graded",
            "grader_version": __version__, "submission_sha256": "s", "key": {"sha256": "k"},
            "student": {"id": "ana"}, "score": 1, "max_score": 2}
    path.write_text(json.dumps(base))
    assert kept_result(path, "ana", "s", "k") is not None
    for change in ({"status": "grader_error"}, {"grader_version": "0.0.0"}, {"submission_sha256": "t"},
                   {"key": {"sha256": "other"}}, {"student": {"id": "bia"}}):
        path.write_text(json.dumps({**base, **change}))
        assert kept_result(path, "ana", "s", "k") is None, change
    path.write_text('{"half')
    assert kept_result(path, "ana", "s", "k") is None


def test_process_executor_survives_a_raising_and_a_dying_worker(batch: dict[str, Path]) -> None:
    notebook(batch["subs"] / "ana.ipynb", {"score": 70})
    notebook(batch["subs"] / "hostil.ipynb", {"do": "raise"})
    notebook(batch["subs"] / "morto.ipynb", {"do": "exit"})
    fake = FakeGrader(str(batch["counter"]), key_sha256(batch["key"]))

    summary = grade_batch(batch["subs"], batch["key"], batch["out"], assignment=load_assignment(ASSIGNMENT),
                          executor=LocalProcessExecutor(2, fake))

    rows = {r.student_id: r for r in summary.rows}
    assert rows["ana"].status == "graded" and rows["ana"].score == 70
    assert rows["hostil"].status == "grader_error" and "ValueError" in render(rows["hostil"].message, "en")
    said = rows["morto"].message  # the result's coded message: said in the reader's language
    assert rows["morto"].status == "grader_error" and "exited with code 3" in render(said, "en")
    assert "terminou com o código 3" in render(said, "pt")
    for sid in rows:
        assert load_result(batch["out"] / "results" / f"{sid}.json").student.id == sid
    assert "Traceback" in (batch["out"] / "logs" / "hostil.log").read_text()
    pids = {sid: (batch["counter"] / f"{sid}.count").read_text().split() for sid in rows}
    assert len({p for ps in pids.values() for p in ps}) == 3  # a fresh process per job
    assert str(os.getpid()) not in {p for ps in pids.values() for p in ps}


def test_each_job_gets_the_environment_the_batch_has_now(batch: dict[str, Path],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool forks its jobs from a forkserver started once per process. A later batch in the
    same process (the review app's regrade, a notebook) must still hand each job the environment
    it has then (KERAS_HOME, AUTOGRADER_DATA...), as a freshly spawned process would get it."""
    notebook(batch["subs"] / "ana.ipynb", {"score": 70})
    fake = FakeGrader(str(batch["counter"]), key_sha256(batch["key"]))
    for mark in ("primeiro", "segundo"):
        monkeypatch.setenv("BATCH_MARK", mark)
        summary = grade_batch(batch["subs"], batch["key"], batch["out"] / mark,
                              assignment=load_assignment(ASSIGNMENT), executor=LocalProcessExecutor(1, fake))
        assert summary.rows[0].status == "graded"
        assert (batch["counter"] / "ana.env").read_text() == mark


BATCH_SCRIPT = """
import sys
from pathlib import Path
from autograder.assignment import load_assignment
from autograder.batch.runner import grade_batch
from tests.test_batch import ASSIGNMENT, FakeGrader
subs, key, out, counter, key_sha, workers = sys.argv[1:7]
grade_batch(Path(subs), Path(key), Path(out), assignment=load_assignment(ASSIGNMENT), workers=int(workers),
            grade_fn=FakeGrader(counter, key_sha, 0.5))
"""


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD)
    except psutil.NoSuchProcess:
        return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kill -9 and PR_SET_PDEATHSIG: Linux")
def test_kill_minus_9_of_the_batch_loses_nothing_written(batch: dict[str, Path]) -> None:
    students = ["ana", "bia", "caio", "dani"]
    for sid in students:
        notebook(batch["subs"] / f"{sid}.ipynb", {"score": 1})
    args = [str(batch[k]) for k in ("subs", "key", "out", "counter")] + [key_sha256(batch["key"])]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", BATCH_SCRIPT, *args, "1"], cwd=REPO, env=env)
    results = batch["out"] / "results"
    deadline = time.monotonic() + 120
    while not (results.is_dir() and any(results.glob("*.json"))):
        assert proc.poll() is None and time.monotonic() < deadline, "the batch never wrote a result"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    before = {p.name: p.stat().st_mtime_ns for p in results.glob("*.json")}
    assert before and len(before) < len(students)
    worker_pids = [int(p) for f in batch["counter"].glob("*.count") for p in f.read_text().split()]
    deadline = time.monotonic() + 10
    while not all(_gone(p) for p in worker_pids):  # the workers died with the batch
        assert time.monotonic() < deadline, "a worker outlived the killed batch"
        time.sleep(0.05)

    subprocess.run([sys.executable, "-c", BATCH_SCRIPT, *args, "2"], cwd=REPO, env=env, check=True,
                   timeout=300)

    assert sorted(p.stem for p in results.glob("*.json")) == students
    for name, mtime in before.items():
        assert (results / name).stat().st_mtime_ns == mtime, f"{name} was regraded"
        assert counts(batch["counter"])[Path(name).stem] == 1
    assert all(load_result(p).status == "graded" for p in results.glob("*.json"))


# ----------------------------------------------------------------------------- small parts

def test_safe_name_never_collides_and_stays_a_plain_file_name() -> None:
    assert safe_name("2024001") == "2024001"
    assert safe_name("ana.silva") == "ana.silva"
    assert safe_name("ana@example.org") == "ana@example.org"  # as the reports always named it
    assert safe_name("anon_Xy12z") == "anon_Xy12z"
    names = {safe_name(s) for s in ["Ana", "ana", "a/b", "a_b", "../x", "", "João"]}
    assert len(names) == 7
    assert all(n and "/" not in n and not n.startswith(".") for n in names)


def _outcome(sid: str, status: str = "graded", score: float = 50.0) -> Outcome:
    return Outcome(sid, status, score, 100.0, 1.5, "boom" if status == "grader_error" else "")


def test_progress_on_a_terminal_is_a_rich_bar_with_the_same_figures() -> None:
    stream = io.StringIO()
    progress = TerminalProgress(stream, tty=True)
    progress.start(3, kept=1)
    for sid, status in (("ana", "graded"), ("bia", "grader_error"), ("caio", "invalid_submission")):
        progress.update(_outcome(sid, status))
    progress.finish()
    out = stream.getvalue()
    assert out.startswith("grading 3 submission(s) (1 already graded and unchanged: kept)\n")
    assert "3/3 done, 1 failed" in out and "ETA" in out
    assert "graded 1" in out and "grader_error 1" in out and "invalid_submission 1" in out
    assert "\x1b[" in out  # drawn in place
    assert re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", out.splitlines()[-1]).startswith(
        "finished: 3/3 done, 1 failed | ")


def test_summary_table_is_plain_text_unless_stdout_is_a_terminal(batch: dict[str, Path]) -> None:
    for i, sid in enumerate(["ana", "bia"]):
        notebook(batch["subs"] / f"{sid}.ipynb", {"score": 10 * (i + 1)})
    summary = run_inline(batch)
    plain = io.StringIO()
    print_table(summary, plain)
    assert plain.getvalue() == format_table(summary) + "\n"

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    term = Terminal()
    print_table(summary, term)
    assert "ana" in term.getvalue() and "20/100" in term.getvalue() and "graded 2" in term.getvalue()
    assert "\x1b[" in term.getvalue()


def test_default_workers_is_bounded_by_cores_and_memory() -> None:
    n = default_workers()
    assert 1 <= n <= (os.cpu_count() or 1)
    assert default_workers(per_worker=10**15) == 1


def test_options_round_trip_as_plain_data() -> None:
    options = GradeOptions(time_overrides={"ex7": 30.0}, datasets_dir=Path("/data"), backend="none")
    plain = options_to_dict(options)
    assert json.loads(json.dumps(plain)) == plain
    assert options_from_dict(plain) == options


def test_cli_exit_code_when_the_key_is_missing(tmp_path: Path) -> None:
    err = io.StringIO()
    code = cli_grade_batch(tmp_path, tmp_path / "no-key.json", tmp_path / "out",
                           assignment=load_assignment(ASSIGNMENT), stderr=err)
    assert code == 4 and "No answer key" in err.getvalue()
