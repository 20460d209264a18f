"""Grading on a real Dask cluster: a scheduler and worker processes started here (``dask scheduler``,
``dask worker``), a small class graded through ``DaskExecutor`` (the same ``grade_batch`` as the
local pool), a worker killed mid-batch, a submission that kills every worker grading it, and a
worker that lacks the datasets. Orchestration uses a sleeping fake grade function; one test grades
real smoke notebooks in the sandbox and compares them with the local pool's results."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograder import __version__
from autograder.assignment import load_assignment
from autograder.batch.dask_executor import DaskExecutor
from autograder.batch.runner import grade_batch
from autograder.gradebook import open_gradebook
from autograder.i18n import Echo, render
from autograder.keymodel import key_sha256
from autograder.results import GradeResult, Student, load_result
from autograder.sandbox.zygote import warm_possible

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = REPO / "assignments" / "cnn_treinamento"
DASK = Path(sys.executable).with_name("dask")


def said_in(lines: list[str], lang: str = "en") -> Echo:
    """An ``Echo`` that keeps each line it is told, said in ``lang``."""
    return lambda m: lines.append(m.text(lang))


@dataclasses.dataclass(frozen=True)
class SleepyGrader:
    """Grades by the notebook's metadata: {"score": n, "sleep": s} or {"do": "kill_worker"} (kills the
    Dask worker process it runs under: the grading process's parent). Appends
    "<pid> <worker pid>" to ``<counter>/<student>.count`` at each call."""

    counter: str
    key_sha: str

    def __call__(self, path: Path, student: Student) -> GradeResult:
        raw = path.read_bytes()
        meta = json.loads(raw)["metadata"]
        with open(Path(self.counter) / f"{student.id}.count", "a") as fh:
            fh.write(f"{os.getpid()} {os.getppid()}\n")
        if meta.get("do") == "kill_worker":
            os.kill(os.getppid(), signal.SIGKILL)
            time.sleep(30)
        time.sleep(float(meta.get("sleep", 0.0)))
        return GradeResult(
            submission_path=str(path),
            submission_sha256=hashlib.sha256(raw).hexdigest(),
            student=student,
            status="graded",
            score=float(meta.get("score", 1)),
            max_score=100.0,
            exercises=(),
            graded_at="2024-01-01T00:00:00+00:00",
            grader_version=__version__,
            environment={},
            key={"sha256": self.key_sha},
            sandbox={},
            assignment=load_assignment(ASSIGNMENT).identity(),
        )


def notebook(path: Path, meta: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": [], "metadata": meta, "nbformat": 4, "nbformat_minor": 5}))
    return path


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@dataclasses.dataclass
class Cluster:
    address: str
    scheduler: subprocess.Popen
    workers: list[subprocess.Popen]
    tmp: Path

    def worker_pids(self) -> set[int]:
        """The worker processes the scheduler knows (the nannies' children)."""
        from distributed import Client

        with Client(self.address, timeout=30) as client:
            return set(client.run(os.getpid).values())


def _start(tmp: Path, workers: int, env: dict[str, str]) -> Cluster:
    sched_file = tmp / "scheduler.json"
    log = open(tmp / "scheduler.log", "w")  # noqa: SIM115 (kept open for the process's life)
    scheduler = subprocess.Popen(
        [
            str(DASK),
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(sched_file),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp,
    )
    _wait_for(sched_file.is_file, 60, "the scheduler")
    address = json.loads(sched_file.read_text())["address"]
    procs = []
    for i in range(workers):
        wlog = open(tmp / f"worker{i}.log", "w")  # noqa: SIM115
        procs.append(
            subprocess.Popen(
                [
                    str(DASK),
                    "worker",
                    address,
                    "--nthreads",
                    "1",
                    "--nworkers",
                    "1",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                    "--name",
                    f"w{i}",
                ],
                env=env,
                stdout=wlog,
                stderr=subprocess.STDOUT,
                cwd=tmp,
            )
        )
    return Cluster(address, scheduler, procs, tmp)


def _stop(cluster: Cluster) -> None:
    for p in [*cluster.workers, cluster.scheduler]:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in [*cluster.workers, cluster.scheduler]:
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, keras_home: Path) -> Iterator[Cluster]:
    """A scheduler and two single-threaded workers, as a course runs them. The scheduler lets a task
    be on 2 workers that die (allowed-failures 1) and sends a worker only what it can run now."""
    if not DASK.exists():
        pytest.fail(f"the dask command is missing ({DASK}): pip install 'distributed'")
    tmp = tmp_path_factory.mktemp("dask")
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "KERAS_HOME": str(keras_home),
        "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1",
        "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0",
    }
    c = _start(tmp, 2, env)
    try:
        _wait_for(lambda: len(c.worker_pids()) == 2, 120, "two workers")
        yield c
    finally:
        _stop(c)


@pytest.fixture()
def batch(tmp_path: Path) -> dict[str, Path]:
    counter = tmp_path / "counter"
    counter.mkdir()
    key = tmp_path / "key.json"
    shutil.copy(ASSIGNMENT / "keys" / "smoke" / "key.json", key)
    return {"subs": tmp_path / "subs", "counter": counter, "key": key, "out": tmp_path / "out"}


def counts(counter: Path) -> dict[str, int]:
    return {p.stem: len(p.read_text().split("\n")) - 1 for p in counter.glob("*.count")}


def test_a_class_on_two_workers_a_worker_killed_and_a_submission_that_kills_workers(
    cluster: Cluster, batch: dict[str, Path], tmp_path: Path
) -> None:
    students = [f"s{i}" for i in range(6)]
    for i, sid in enumerate(students):
        notebook(batch["subs"] / f"{sid}.ipynb", {"score": 10 + i, "sleep": 1.0})
    notebook(batch["subs"] / "veneno.ipynb", {"do": "kill_worker"})
    a = load_assignment(ASSIGNMENT)
    lines: list[str] = []
    grader = SleepyGrader(str(batch["counter"]), key_sha256(batch["key"]))
    gradebook = str(tmp_path / "gradebook.sqlite")
    killed: list[int] = []

    def kill_a_worker_mid_batch() -> None:  # once the first results are in
        _wait_for(lambda: len(list((batch["out"] / "results").glob("*.json"))) >= 1, 120, "a first result")
        victim = sorted(cluster.worker_pids())[0]
        killed.append(victim)
        os.kill(victim, signal.SIGKILL)

    import threading

    killer = threading.Thread(target=kill_a_worker_mid_batch, daemon=True)
    with open_gradebook(gradebook) as gb:
        executor = DaskExecutor(
            assignment=a, scheduler=cluster.address, grade_fn=grader, backend="none", echo=said_in(lines)
        )
        assert executor.slots == 2 and executor.allowed_failures == 1
        assert len(lines) == 2 and all("ready: 1 grading slot(s)" in ln for ln in lines), lines
        killer.start()
        summary = grade_batch(
            batch["subs"], batch["key"], batch["out"], assignment=a, executor=executor, gradebook=gb
        )
        killer.join(5)
        grades = {g.student.lms_id: g for g in gb.latest(a.name)}
        with gb.engine.connect() as conn:
            attempts = conn.exec_driver_sql("SELECT COUNT(*) FROM attempts").scalar_one()

    assert killed, "no worker was killed"
    rows = {r.student_id: r for r in summary.rows}
    assert sorted(rows) == sorted([*students, "veneno"])  # exactly one row per submission
    for i, sid in enumerate(students):  # every innocent graded, none lost
        assert rows[sid].status == "graded" and rows[sid].score == 10 + i
        assert load_result(batch["out"] / "results" / f"{sid}.json").score == 10 + i
        assert "graded on the Dask worker" in (batch["out"] / "logs" / f"{sid}.log").read_text()
    poison = rows["veneno"]
    assert (
        poison.status == "grader_error"
        and "2 tries" in render(poison.message, "en")
        and "allowed-failures" in render(poison.message, "en")
        and "2 tentativas" in render(poison.message, "pt")
    )
    # tried at most twice, then given up (not a stalled batch): Dask counts every worker death
    # while the task ran, so the worker this test kills on purpose may have been one of them
    assert 1 <= counts(batch["counter"])["veneno"] <= 2
    assert sorted(p.stem for p in (batch["out"] / "results").glob("*.json")) == sorted(rows)
    assert attempts == len(rows) and sorted(grades) == sorted(students)  # none duplicated in the gradebook

    # resume: nothing changed, nothing graded again (the poison is retried, as a grader_error is)
    before = counts(batch["counter"])
    executor = DaskExecutor(
        assignment=a, scheduler=cluster.address, grade_fn=grader, backend="none", echo=said_in(lines)
    )
    again = grade_batch(batch["subs"], batch["key"], batch["out"], assignment=a, executor=executor)
    assert {r.student_id for r in again.rows if r.action == "kept"} == set(students)
    assert {sid: n for sid, n in counts(batch["counter"]).items() if sid != "veneno"} == {
        sid: n for sid, n in before.items() if sid != "veneno"
    }


def test_a_worker_without_the_datasets_says_so_in_one_line_and_leaves(
    cluster: Cluster, batch: dict[str, Path], tmp_path: Path
) -> None:
    empty = tmp_path / "empty_keras"
    (empty / "datasets").mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(REPO), "KERAS_HOME": str(empty)}
    log = open(tmp_path / "bad_worker.log", "w")  # noqa: SIM115
    bad = subprocess.Popen(
        [
            str(DASK),
            "worker",
            cluster.address,
            "--nthreads",
            "1",
            "--no-dashboard",
            "--host",
            "127.0.0.1",
            "--name",
            "sem-dados",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    try:
        from distributed import Client

        with Client(cluster.address, timeout=30) as client:
            _wait_for(
                lambda: len(client.scheduler_info(n_workers=-1)["workers"]) >= 3, 180, "the third worker"
            )
        for sid in ("ana", "bia"):
            notebook(batch["subs"] / f"{sid}.ipynb", {"score": 5})
        lines: list[str] = []
        a = load_assignment(ASSIGNMENT)
        executor = DaskExecutor(
            assignment=a,
            scheduler=cluster.address,
            backend="none",
            echo=said_in(lines),
            grade_fn=SleepyGrader(str(batch["counter"]), key_sha256(batch["key"])),
        )
        summary = grade_batch(batch["subs"], batch["key"], batch["out"], assignment=a, executor=executor)
        assert [r.status for r in summary.rows] == ["graded", "graded"]
        refused = [ln for ln in lines if "(it leaves the cluster)" in ln]
        assert len(refused) == 1 and "\n" not in refused[0], lines
        assert (
            "The Keras dataset cache is not ready" in refused[0]
            and "boston_housing.npz is missing" in refused[0]
        )
        bad.wait(60)  # it left the cluster, nanny included
        assert (
            "dl-autograder: The Keras dataset cache is not ready" in (tmp_path / "bad_worker.log").read_text()
        )
    finally:
        if bad.poll() is None:
            bad.kill()
            bad.wait()


@pytest.mark.kernel
@pytest.mark.training
def test_real_grading_on_dask_gives_the_local_pools_results(cluster: Cluster, tmp_path: Path) -> None:
    """Two smoke notebooks of redes_densas (the solution, and one that breaks an exercise) in the
    sandbox on the Dask workers, through the CLI, against the local pool's results."""
    from click.testing import CliRunner

    from autograder.authoring import notebook as make_notebook
    from autograder.cli import main

    a = load_assignment("redes_densas")
    sol = make_notebook(a, "solution", a.profile("smoke"))
    import nbformat

    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(sol, subs / "sol.ipynb")
    broken = copy.deepcopy(sol)
    for cell in broken.cells:
        if cell.metadata.get("autograder", {}).get("role") == "answer":
            cell.source = "raise ValueError('quebrado')\n" + cell.source
            break
    nbformat.write(broken, subs / "quebrado.ipynb")
    key = a.key_path("smoke")
    run = CliRunner().invoke
    dask_out, local_out = tmp_path / "dask", tmp_path / "local"
    res = run(
        main,
        [
            "grade-batch",
            str(subs),
            "--assignment",
            "redes_densas",
            "--key",
            str(key),
            "--out",
            str(dask_out),
            "--scheduler",
            cluster.address,
        ],
    )
    assert res.exit_code == 0, res.output
    assert "ready: 1 grading slot(s), redes_densas" in res.output
    res = run(
        main,
        [
            "grade-batch",
            str(subs),
            "--assignment",
            "redes_densas",
            "--key",
            str(key),
            "--out",
            str(local_out),
            "--workers",
            "2",
            "--no-gradebook",
        ],
    )
    assert res.exit_code == 0, res.output
    for sid in ("sol", "quebrado"):
        d, loc = (
            load_result(dask_out / "results" / f"{sid}.json"),
            load_result(local_out / "results" / f"{sid}.json"),
        )
        assert (d.status, d.score, d.sandbox.get("backend")) == (
            loc.status,
            loc.score,
            loc.sandbox.get("backend"),
        )
        assert [(e.id, e.status, e.score) for e in d.exercises] == [
            (e.id, e.status, e.score) for e in loc.exercises
        ]
        assert [c.status for e in d.exercises for c in e.checks] == [
            c.status for e in loc.exercises for c in e.checks
        ]
        if warm_possible() is None:  # both forked their kernels from a warm sandbox (README, "Warm kernels")
            assert "kernel" in d.sandbox["enforced"] and "kernel" in loc.sandbox["enforced"]
    assert (
        load_result(dask_out / "results" / "sol.json").score
        == load_result(dask_out / "results" / "sol.json").max_score
    )
    assert load_result(dask_out / "results" / "quebrado.json").score < a.contract.max_score
    with open_gradebook(dask_out / "gradebook.sqlite") as gb:
        assert sorted(g.student.lms_id for g in gb.latest("redes_densas")) == ["quebrado", "sol"]

    # regrade with nothing changed: nothing graded, the reports rendered from the gradebook once
    args = [
        "regrade",
        "--out",
        str(dask_out),
        "--assignment",
        "redes_densas",
        "--key",
        str(key),
        "--lang",
        "en",
    ]
    res = run(main, args)
    assert res.exit_code == 0, res.output
    assert "0 graded now (new submission, key or grader version), 2 unchanged" in res.output
    assert "reports: 2 rendered, 0 unchanged, class summary rendered" in res.output
    assert (dask_out / "reports" / "sol.html").is_file() and (
        dask_out / "reports" / "class_summary.md"
    ).is_file()
    res = run(main, args)
    assert "reports: 0 rendered, 2 unchanged" in res.output


def _warm_sandboxes(dask_worker: Any, plugin: str) -> list[int]:
    return list(dask_worker.plugins[plugin].warm_sandboxes())


def test_a_second_batch_on_a_running_cluster_keeps_the_workers_warm_sandboxes(
        cluster: Cluster, tmp_path: Path) -> None:
    """A course's long-running workers between two batches of one assignment: the second batch
    finds the worker plugin still there (registering it again is a no-op), every worker checks
    again before it takes work (one more line on the scheduler's dl-autograder topic), and grades
    with the warm sandboxes it started for the first batch: no zygote is started again."""
    import nbformat
    from click.testing import CliRunner
    from distributed import Client

    from autograder.authoring import notebook as make_notebook
    from autograder.batch.dask_executor import DASK_TOPIC, plugin_name
    from autograder.cli import main

    a = load_assignment("redes_densas")
    sol = make_notebook(a, "solution", a.profile("smoke"))
    subs = tmp_path / "subs"
    subs.mkdir()
    for sid in ("ana", "bia", "caio"):
        nbformat.write(sol, subs / f"{sid}.ipynb")
    plugin = plugin_name(a, "auto")

    def batch(out: str) -> tuple[dict[str, int], dict[str, list[int]]]:
        res = CliRunner().invoke(main, ["grade-batch", str(subs), "--assignment", a.name, "--key",
                                        str(a.key_path("smoke")), "--out", str(tmp_path / out),
                                        "--scheduler", cluster.address, "--no-gradebook"])
        assert res.exit_code == 0, res.output
        for sid in ("ana", "bia", "caio"):
            r = load_result(tmp_path / out / "results" / f"{sid}.json")
            assert (r.status, r.score) == ("graded", a.contract.max_score)
        with Client(cluster.address, timeout=30) as client:
            checks: dict[str, int] = {}
            for _, ev in client.get_events(DASK_TOPIC):
                if ev.get("plugin") == plugin and ev.get("ready"):
                    checks[ev["worker"]] = checks.get(ev["worker"], 0) + 1
            return checks, client.run(_warm_sandboxes, plugin=plugin)

    checks1, sandboxes1 = batch("first")
    checks2, sandboxes2 = batch("second")
    assert set(checks1) == set(checks2) == set(sandboxes1) and len(checks1) == 2
    assert checks2 == {w: n + 1 for w, n in checks1.items()}
    assert sandboxes2 == sandboxes1  # the same processes: none started again, none replaced
    if warm_possible() is None:  # each worker graded in the warm sandbox it has kept since
        assert all(len(pids) == 1 for pids in sandboxes1.values()), sandboxes1


@pytest.mark.kernel
def test_cluster_local_n_starts_its_own_workers_and_grades_like_the_pool(
        tmp_path: Path, keras_home: Path) -> None:
    """`grade-batch --cluster local:2`: a LocalCluster of two worker processes started by the
    command itself, each checking in before it takes work; a class answering only the exercises
    that train nothing (graded in seconds: the others are not run) and the notebook as handed out."""
    import nbformat
    from click.testing import CliRunner

    from autograder.authoring import notebook as make_notebook
    from autograder.cli import main
    from tests.common import EXPENSIVE, leave_as_handed_out

    a = load_assignment("cnn_treinamento")
    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(leave_as_handed_out(make_notebook(a, "solution", "smoke"), EXPENSIVE), subs / "ana.ipynb")
    nbformat.write(make_notebook(a, "student", "smoke"), subs / "bia.ipynb")
    res = CliRunner().invoke(main, ["grade-batch", str(subs), "--assignment", a.name, "--key",
                                    str(a.key_path("smoke")), "--out", str(tmp_path / "out"),
                                    "--cluster", "local:2"])
    assert res.exit_code == 0, res.output
    assert res.output.count("ready: 1 grading slot(s), cnn_treinamento") == 2, res.output
    ana = load_result(tmp_path / "out" / "results" / "ana.json")
    bia = load_result(tmp_path / "out" / "results" / "bia.json")
    cheap = sum(e.points for e in a.contract.exercises if e.id not in EXPENSIVE)
    assert (ana.status, ana.score, bia.status, bia.score) == ("graded", cheap, "graded", 0)
    assert {e.status for e in bia.exercises} == {"unanswered"}
    with open_gradebook(tmp_path / "out" / "gradebook.sqlite", create=False) as gb:
        assert sorted(g.result.student.id for g in gb.latest(a.name)) == ["ana", "bia"]
