"""Benchmark of distributed grading and of the comparison with otter-grader. Not a test: it prints
figures and says what was measured, side by side in one run.

    .venv/bin/python bench/dask_bench.py [--assignment cnn_treinamento] [--only cheap|full]
        [--otter-python .venv-otter/bin/python] [--same 10]

The classes are the assignment's example class (``example.toml``, smoke profile, Moodle layout):

* ``full``: the example class as ``autograder example`` grades it (exercise 10 trains CNNs);
* ``cheap``: the same students answering only the exercises that train nothing (1-6 and 9 for
  cnn_treinamento: the answer and letter cells of the others are removed, so our grader does
  not run those exercises: README, "Unanswered exercises"); its hostile student's infinite loop
  runs out exercise 3's 20 s budget, which bounds the class's wall time;
* the cheap solution x ``--same``: the solution with those exercises' answers removed, the same
  work as otter's input below.

1. Dask, a LocalCluster of 1 worker vs 2 workers (one thread each), for each class: wall time and
   the throughput ratio (1 worker / 2 workers), with the load average before and after; the
   cheap class also on the default local pool (``grade-batch --workers 2``, warm kernels), and
   the cheap solution x ``--same`` on it with warm kernels and with cold ones;
2. steady state: a running cluster of 1 worker vs 2 (``steady_state``), after a warm-up batch,
   the cheap class x ``--copies`` and the cheap solution x ``--same``, each a batch of its own
   (``--scheduler``'s path: the workers keep their warm sandboxes between batches): throughput
   ratio (1 worker / 2 workers), and each worker's warm sandboxes (pids) after all batches;
3. ``otter run`` of the cheap solution x ``--same`` (otter's own notebook format: the solution
   ``otter assign`` writes, with the cells of the training exercises removed; otter refuses
   ours), 2 at once, against our 2-worker batch of the same work, on the local pool and on Dask:
   wall time ratio otter / ours.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import nbformat

from autograder import data
from autograder.api import GradeOptions
from autograder.assignment import Assignment, load_assignment
from autograder.authoring import notebook
from autograder.batch.dask_executor import DaskExecutor
from autograder.batch.executors import LocalProcessExecutor
from autograder.batch.runner import grade_batch
from autograder.example import submissions

TRAINING = ("ex7", "ex8", "ex10")  # cnn_treinamento's exercises that train models (the others: --expensive)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}/{fifteen:.2f}"


def without_answers(nb: Any, expensive: tuple[str, ...]) -> Any:
    """``nb`` without the answer and letter cells of the ``expensive`` exercises."""
    nb.cells = [c for c in nb.cells
                if not (c.metadata.get("autograder", {}).get("exercise") in expensive
                        and c.metadata.get("autograder", {}).get("role") in ("answer", "letter"))]
    return nb


def write_solutions(a: Assignment, folder: Path, expensive: tuple[str, ...], n: int) -> Path:
    """``n`` copies of the solution with the ``expensive`` exercises' answers removed, Moodle
    layout: the same work as the otter run below (otter's own notebook, those cells removed)."""
    example = a.example()
    assert example is not None
    nb = without_answers(notebook(a, "solution", example.profile), expensive)
    for i in range(n):
        target = folder / f"Aluno {i}_{1000 + i}_assignsubmission_file_" / "exercicios.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(nbformat.writes(nb), encoding="utf-8")
    return folder


def write_class(a: Assignment, folder: Path, expensive: tuple[str, ...], copies: int = 1) -> Path:
    """The example class, Moodle layout; with ``expensive``, those exercises' answers removed;
    ``copies`` > 1: that many students of each (participant id ``1001`` -> ``100101``, ...)."""
    example = a.example()
    assert example is not None, f"{a.name} has no example class"
    solution = notebook(a, "solution", example.profile)
    for name, raw in submissions(example, solution, a.contract).items():
        s = next(s for s in example.students if s.name == name)
        if expensive and not s.truncate:
            nb = without_answers(nbformat.reads(raw.decode(), as_version=4), expensive)
            raw = nbformat.writes(nb).encode()
        for i in range(copies):
            who = f"{s.name}_{s.participant}" if copies == 1 else f"{s.name} {i}_{s.participant}{i:02d}"
            target = folder / f"{who}_assignsubmission_file_" / "exercicios.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(raw)
    return folder


def statuses_of(summary: Any) -> dict[str, int]:
    """How many of the batch's submissions ended in each status."""
    return dict(Counter(r.status for r in summary.rows))


def timed_dask(
    subs: Path, out: Path, a: Assignment, workers: int, options: GradeOptions
) -> tuple[float, Any]:
    t0 = time.perf_counter()
    executor = DaskExecutor(
        assignment=a, local_workers=workers, backend=options.backend, echo=lambda line: None
    )
    setup = time.perf_counter() - t0
    summary = grade_batch(
        subs,
        a.key_path(a.example().profile),  # type: ignore[union-attr]
        out,
        assignment=a,
        executor=executor,
        options=options,
    )
    wall = time.perf_counter() - t0
    return wall, (setup, statuses_of(summary), sum(r.score for r in summary.rows))


def _warm_sandboxes(dask_worker: Any, plugin: str) -> list[int]:
    return list(dask_worker.plugins[plugin].warm_sandboxes())


def steady_state(
    a: Assignment, workers: int, options: GradeOptions, warmup: Path, classes: dict[str, Path], tmp: Path
) -> tuple[dict[str, tuple[float, dict[str, int]]], dict[str, list[int]]]:
    """Throughput on a cluster that is already running, as a course's workers are between two
    batches: a LocalCluster of ``workers`` (as ``--cluster local:N`` starts it), one warm-up batch
    (``warmup``: the workers' forkservers and warm sandboxes start), then each of ``classes`` as a
    batch of its own through ``--scheduler``'s path (a client of its own; every worker checks again
    before it takes work, and keeps its warm sandboxes). Wall time per class from the client's
    start to the last result written; and each worker's warm sandboxes (pids) after all batches."""
    from autograder.batch.dask_executor import local_cluster, plugin_name

    key = a.key_path(a.example().profile)  # type: ignore[union-attr]
    quiet = lambda line: None  # noqa: E731
    cluster = local_cluster(workers)
    found: dict[str, tuple[float, dict[str, int]]] = {}
    try:
        address = cluster.scheduler_address
        first = DaskExecutor(assignment=a, scheduler=address, backend=options.backend, echo=quiet)
        grade_batch(warmup, key, tmp / f"warm-{workers}", assignment=a, options=options, executor=first)
        for name, subs in classes.items():
            t0 = time.perf_counter()
            executor = DaskExecutor(assignment=a, scheduler=address, backend=options.backend, echo=quiet)
            summary = grade_batch(subs, key, tmp / f"steady-{name}-{workers}", assignment=a,
                                  executor=executor, options=options)
            found[name] = (time.perf_counter() - t0, statuses_of(summary))
        with DaskExecutor(assignment=a, scheduler=address, backend=options.backend, echo=quiet) as ex:
            kept = ex.client.run(_warm_sandboxes, plugin=plugin_name(a, options.backend))
    finally:
        cluster.close()
    return found, kept


def timed_pool(
    subs: Path, out: Path, a: Assignment, workers: int, options: GradeOptions, warm: bool = True
) -> tuple[float, Any]:
    """Our default: ``grade_batch``'s local process pool (warm kernels unless ``warm`` is False),
    no gradebook."""
    t0 = time.perf_counter()
    with LocalProcessExecutor(workers, warm=warm) as pool:
        summary = grade_batch(subs, a.key_path(a.example().profile), out,  # type: ignore[union-attr]
                              assignment=a, executor=pool, options=options)
        assert pool.warm_problem is None or not warm, pool.warm_problem
    return time.perf_counter() - t0, (statuses_of(summary), sum(r.score for r in summary.rows))


def otter_cheap_notebook(
    otter_python: str, a: Assignment, tmp: Path, expensive: tuple[str, ...]
) -> tuple[Path, Path]:
    """``otter assign`` of the assignment's otter master; its solution notebook without the cells
    of the ``expensive`` exercises (matched to our solution's cells by their code)."""
    from autograder.export.otter import write_master

    profile = a.profile(a.example().profile)  # type: ignore[union-attr]
    master = write_master(a, tmp / "otter-master", profile, a.key_path(profile.name))
    subprocess.run(
        [otter_python, "-m", "otter", "assign", str(master), str(tmp / "otter-dist")],
        cwd=master.parent,
        check=True,
        capture_output=True,
    )
    solution = next((tmp / "otter-dist" / "autograder").glob("*.ipynb"))
    zip_path = next((tmp / "otter-dist" / "autograder").glob("*.zip"))
    ours = notebook(a, "solution", profile.name)
    owner = [
        (c.metadata.get("autograder", {}).get("exercise"), c.source.strip())
        for c in ours.cells
        if c.cell_type == "code" and c.source.strip()
    ]
    parts = {p.id for e in a.contract.exercises if e.id in expensive for p in e.parts}
    nb = nbformat.read(solution, as_version=4)
    kept = []
    for c in nb.cells:
        if c.cell_type == "code":
            src = c.source
            ex = next((e for e, s in owner if s and (s in src or src.strip() in s)), None)
            if ex in expensive or any(f'"{p}"' in src or f"'{p}'" in src for p in parts):
                continue
        kept.append(c)
    nb.cells = kept
    cheap = tmp / "otter-cheap.ipynb"
    nbformat.write(nb, cheap)
    return cheap, zip_path


def timed_otter(
    otter_python: str, zip_path: Path, nb: Path, n: int, workers: int, tmp: Path
) -> tuple[float, int]:
    inputs = []
    for i in range(n):
        copy_ = tmp / "otter-in" / f"s{i}" / nb.name
        copy_.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(nb, copy_)
        inputs.append(copy_)

    def run(path: Path) -> int:
        out = tmp / "otter-out" / path.parent.name
        out.mkdir(parents=True, exist_ok=True)
        return subprocess.run(
            [otter_python, "-m", "otter", "run", "--no-logo", "-a", str(zip_path), "-o", str(out), str(path)],
            capture_output=True,
        ).returncode

    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        failures = sum(code != 0 for code in pool.map(run, inputs))
    return time.perf_counter() - t0, failures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--assignment", default="cnn_treinamento")
    ap.add_argument("--only", choices=["cheap", "full"], default=None)
    ap.add_argument("--otter-python", default=None, help="an interpreter that can import otter")
    ap.add_argument("--expensive", nargs="*", default=list(TRAINING), help="exercise ids that train models")
    ap.add_argument("--same", type=int, default=10,
                    help="how many copies of the cheap solution make the class otter grades too")
    ap.add_argument("--copies", type=int, default=4,
                    help="steady state: the cheap example class this many times over (and --same solutions)")
    args = ap.parse_args(argv)
    a = load_assignment(args.assignment)
    example = a.example()
    assert example is not None
    options = GradeOptions(datasets_dir=data.verify_cache(a), time_overrides=dict(example.time_overrides))
    expensive = tuple(args.expensive)
    print(
        f"{a.name}: example class of {len(example.students)} ({example.profile} profile), "
        f"{os.cpu_count()} cores, {load()}"
    )
    with tempfile.TemporaryDirectory(prefix="dask-bench-") as tmp_:
        tmp = Path(tmp_)
        ours_cheap_2 = pool_cheap_2 = pool_same_2 = cold_same_2 = steady_same_2 = None
        same_walls: dict[int, float] = {}
        classes = [c for c in ("cheap", "full") if args.only in (None, c)]
        for kind in classes:
            subs = write_class(a, tmp / f"class-{kind}", expensive if kind == "cheap" else ())
            walls = {}
            for workers in (1, 2):
                before = load()
                wall, (setup, statuses, total) = timed_dask(
                    subs, tmp / f"out-{kind}-{workers}", a, workers, options
                )
                walls[workers] = wall
                print(
                    f"1. {kind:5} class, Dask LocalCluster {workers} worker(s): {wall:7.1f} s (cluster start "
                    f"{setup:.1f} s) {statuses}, total score {total:g}; {before} -> {load()}"
                )
            print(f"   {kind} class: throughput 2 workers / 1 worker = {walls[1] / walls[2]:.2f}x")
            if kind == "cheap":
                ours_cheap_2 = walls[2]
                before = load()
                pool_cheap_2, (statuses, total) = timed_pool(subs, tmp / "out-cheap-pool", a, 2, options)
                print(f"1. cheap class, local pool 2 workers:  {pool_cheap_2:7.1f} s {statuses}, total "
                      f"score {total:g}; {before} -> {load()}")
                same = write_solutions(a, tmp / "class-cheap-solutions", expensive, args.same)
                before = load()
                pool_same_2, (statuses, total) = timed_pool(same, tmp / "out-same-pool", a, 2, options)
                print(f"1. otter's input: the cheap solution x{args.same}, local pool 2 workers: "
                      f"{pool_same_2:7.1f} s {statuses}, total score {total:g}; {before} -> {load()}")
                before = load()
                cold_same_2, (statuses, total) = timed_pool(same, tmp / "out-same-cold", a, 2, options,
                                                            warm=False)
                print(f"1. the same, local pool 2 workers, cold kernels (no warm sandbox): "
                      f"{cold_same_2:7.1f} s {statuses}, total score {total:g}; {before} -> {load()}")
                for workers in (1, 2):
                    before = load()
                    out_same = tmp / f"out-same-{workers}"
                    same_walls[workers], _ = timed_dask(same, out_same, a, workers, options)
                    print(f"1. the cheap solution x{args.same}, Dask {workers} worker(s): "
                          f"{same_walls[workers]:7.1f} s; {before} -> {load()}")
                print(f"   the cheap solution x{args.same}: throughput 2 workers / 1 worker = "
                      f"{same_walls[1] / same_walls[2]:.2f}x")
                big = write_class(a, tmp / "class-cheap-copies", expensive, args.copies)
                warmup = write_solutions(a, tmp / "class-warmup", expensive, 4)
                steady_classes = {f"cheap class x{args.copies}": big, f"cheap solution x{args.same}": same}
                steady: dict[int, dict[str, tuple[float, dict[str, int]]]] = {}
                for workers in (1, 2):
                    before = load()
                    steady[workers], kept = steady_state(a, workers, options, warmup, steady_classes, tmp)
                    for name, (wall, statuses) in steady[workers].items():
                        print(f"2. steady state, Dask {workers} worker(s), {name}: {wall:7.1f} s {statuses}; "
                              f"{before} -> {load()}")
                    print(f"   warm sandboxes per worker after all batches (pids): {kept}")
                for name in steady_classes:
                    print(f"   steady state, {name}: throughput 2 workers / 1 worker = "
                          f"{steady[1][name][0] / steady[2][name][0]:.2f}x")
                steady_same_2 = steady[2][f"cheap solution x{args.same}"][0]
        # absolute, not resolved: a venv's python is a symlink
        otter_python = os.path.abspath(args.otter_python) if args.otter_python else None
        if ours_cheap_2 is None:
            return 0
        if (
            not otter_python
            or subprocess.run([otter_python, "-c", "import otter"], capture_output=True).returncode != 0
        ):
            print(
                "3. otter: pass --otter-python (an interpreter with otter, e.g. .venv-otter/bin/python); "
                "skipped"
            )
            return 0
        cheap_nb, zip_path = otter_cheap_notebook(otter_python, a, tmp, expensive)
        before = load()
        otter, failures = timed_otter(otter_python, zip_path, cheap_nb, args.same, 2, tmp)
        print(
            f"3. otter run of the cheap solution ({args.same} notebooks, 2 at once): {otter:7.1f} s "
            f"({failures} failures); {before} -> {load()}"
        )
        assert pool_cheap_2 is not None and pool_same_2 is not None and cold_same_2 is not None
        assert steady_same_2 is not None
        print(f"   wall time otter / ours on the same work (the cheap solution x{args.same}, 2 at once): "
              f"local pool {otter / pool_same_2:.2f}x (cold kernels {otter / cold_same_2:.2f}x), "
              f"Dask {otter / same_walls[2]:.2f}x (a running cluster: {otter / steady_same_2:.2f}x)")
    return 0


if __name__ == "__main__":  # Dask's workers are spawned: they import this file and must not re-run it
    sys.exit(main())
