"""Benchmark of batch grading. Not a test: it prints figures and says what was measured.

    .venv/bin/python bench/batch_bench.py SUBMISSIONS KEY [--assignment NAME|PATH] [--workers N]
                                          [--nbconvert PATH]

1. our batch grading of SUBMISSIONS (folder or zip) into a fresh folder: wall time;
2. the same command again, nothing changed (resume): wall time and ratio to 1;
3. plain ``jupyter nbconvert --to notebook --execute --allow-errors`` of the same notebooks, as many
   at once as our workers, with a kernel of this interpreter: wall time, and 1 / 3 (our overhead);
4. peak RSS per worker: the worker process's own peak (``getrusage``), and the peak of the sum of
   RSS over its whole process tree (worker + sandbox + kernel), sampled with psutil every 0.25 s;
5. otter-grader (``otter run`` of the same notebooks), when ``--otter-python`` can import otter and
   ``--otter-autograder`` is given.

Needs the datasets in the Keras cache (``autograder data install``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from autograder import data
from autograder.api import GradeOptions
from autograder.assignment import Assignment, load_assignment
from autograder.batch.discover import discover
from autograder.batch.executors import LocalProcessExecutor
from autograder.batch.jobs import ApiGrader, options_to_dict
from autograder.batch.runner import default_workers, grade_batch
from autograder.keymodel import key_sha256, load_key
from autograder.results import GradeResult, Student


def tree_rss_kib(root: int) -> int:
    """Sum of RSS over ``root`` and all its descendants (psutil)."""
    try:
        top = psutil.Process(root)
        procs = [top, *top.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.Error:  # ended meanwhile
            pass
    return total // 1024


@dataclass(frozen=True)
class MeasuredGrader:
    """The real grader, plus a line per job in ``rss_log`` with the worker's peak RSS."""

    inner: ApiGrader
    rss_log: str

    def __call__(self, submission: Path, student: Student) -> GradeResult:
        peak, done = [0], threading.Event()

        def sample() -> None:
            while not done.wait(0.25):
                peak[0] = max(peak[0], tree_rss_kib(os.getpid()))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            return self.inner(submission, student)
        finally:
            done.set()
            sampler.join()
            own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
            with open(self.rss_log, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"student": student.id, "worker_kib": own, "tree_kib": peak[0]}) + "\n")


def timed_batch(subs: Path, key: Path, out: Path, assignment: Assignment, workers: int,
                options: GradeOptions, rss_log: Path) -> tuple[float, dict[str, int]]:
    grader = MeasuredGrader(ApiGrader(str(key.resolve()), key_sha256(key), str(assignment.root),
                                      options_to_dict(options)), str(rss_log))
    t0 = time.perf_counter()
    summary = grade_batch(subs, key, out, assignment=assignment,
                          executor=LocalProcessExecutor(workers, grader), options=options)
    wall = time.perf_counter() - t0
    statuses: dict[str, int] = {}
    for r in summary.rows:
        key_ = f"{r.action}:{r.status}"
        statuses[key_] = statuses.get(key_, 0) + 1
    return wall, statuses


def kernelspec_here(root: Path) -> str:
    """A kernelspec running this interpreter (it has TensorFlow), for nbconvert from any venv."""
    name = "autograder-bench"
    spec = root / "kernels" / name
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "autograder bench", "language": "python"}))
    return name


def timed_nbconvert(nbconvert: str, notebooks: list[Path], workers: int, tmp: Path) -> tuple[float, int]:
    kernel = kernelspec_here(tmp / "jupyter")
    env = {**os.environ, "JUPYTER_PATH": str(tmp / "jupyter")}

    def run(nb: Path) -> int:
        out = tmp / "nbconvert" / nb.parent.name
        return subprocess.run(
            [nbconvert, "--to", "notebook", "--execute", "--allow-errors", f"--output-dir={out}",
             f"--ExecutePreprocessor.kernel_name={kernel}", "--ExecutePreprocessor.timeout=3600", str(nb)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode

    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        failures = sum(code != 0 for code in pool.map(run, notebooks))
    return time.perf_counter() - t0, failures


def find_nbconvert(given: str | None) -> str | None:
    if given:
        return given
    here = Path(sys.executable).parent / "jupyter-nbconvert"
    return shutil.which("jupyter-nbconvert") or (str(here) if here.exists() else None)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("submissions", type=Path)
    ap.add_argument("key", type=Path)
    ap.add_argument("--assignment", help="installed name or folder (default: the one the key belongs to)")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--nbconvert", help="jupyter-nbconvert executable (default: on PATH or beside python)")
    ap.add_argument("--otter-autograder", type=Path, help="otter autograder.zip, for the otter comparison")
    ap.add_argument("--otter-python", help="an interpreter that can import otter (default: this one)")
    ap.add_argument("--otter-notebook", type=Path,
                    help="otter-format notebook to run once per submission (otter refuses notebooks "
                         "without its assignment metadata, e.g. ours): the solution from `otter assign`")
    args = ap.parse_args(argv)

    workers = args.workers or default_workers()
    assignment = load_assignment(args.assignment or load_key(args.key).assignment.get("name"))
    options = GradeOptions(datasets_dir=data.verify_cache(assignment))
    with tempfile.TemporaryDirectory(prefix="batch-bench-") as tmp_:
        tmp = Path(tmp_)
        found = discover(args.submissions, extract_to=tmp / "subs")
        notebooks = [f.path for f in found.submissions]
        print(f"{len(notebooks)} notebooks ({found.layout} layout, {len(found.problems)} discovery "
              f"problems), {workers} worker(s), {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
        rss = tmp / "rss.jsonl"

        first, statuses = timed_batch(args.submissions, args.key, tmp / "out", assignment, workers,
                                      options, rss)
        print(f"1. batch grading, first run:      {first:8.1f} s  {statuses}")
        again, statuses = timed_batch(args.submissions, args.key, tmp / "out", assignment, workers,
                                      options, rss)
        print(f"2. same command again, unchanged: {again:8.1f} s  {statuses}  "
              f"ratio 2/1 = {again / first:.3f}")

        nbconvert = find_nbconvert(args.nbconvert)
        if nbconvert:
            base, failed = timed_nbconvert(nbconvert, notebooks, workers, tmp)
            print(f"3. nbconvert --execute, {workers} at once: {base:8.1f} s  ({failed} nbconvert failures)  "
                  f"overhead 1/3 = {first / base:.2f}x")
        else:
            print("3. nbconvert: jupyter-nbconvert not found (pass --nbconvert PATH); skipped")

        print("4. peak RSS per worker (MiB): worker process / whole tree, worker + kernel (sampled)")
        rows: list[dict[str, Any]] = [json.loads(line) for line in rss.read_text().splitlines()] \
            if rss.exists() else []
        for r in rows:
            print(f"   {r['student']:<24} {r['worker_kib'] / 1024:8.0f} / {r['tree_kib'] / 1024:8.0f}")

        otter_python = args.otter_python or sys.executable
        has_otter = subprocess.run([otter_python, "-c", "import otter"], capture_output=True).returncode == 0
        if not has_otter:
            print(f"5. otter: not importable by {otter_python} (pass --otter-python, e.g. "
                  ".venv-otter/bin/python); skipped")
        elif not args.otter_autograder:
            print("5. otter: no --otter-autograder ZIP given (make one with `otter assign` on the "
                  "master notebook that `autograder assignment otter` writes); skipped")
        else:
            def otter_run(nb: Path) -> int:
                out = tmp / "otter" / nb.parent.name
                out.mkdir(parents=True, exist_ok=True)
                return subprocess.run([otter_python, "-m", "otter", "run", "-a", str(args.otter_autograder),
                                       "-o", str(out), str(nb)], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL).returncode

            otter_inputs = [args.otter_notebook] * len(notebooks) if args.otter_notebook else notebooks
            if args.otter_notebook:
                copies = []
                for i, nb in enumerate(otter_inputs):
                    copy = tmp / "otter-in" / f"s{i}" / nb.name
                    copy.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(nb, copy)
                    copies.append(copy)
                otter_inputs = copies
            t0 = time.perf_counter()
            with ThreadPoolExecutor(workers) as pool:
                codes = list(pool.map(otter_run, otter_inputs))
            otter = time.perf_counter() - t0
            failures = sum(c != 0 for c in codes)
            print(f"5. otter run, {workers} at once: {otter:8.1f} s  ({failures} failures)  "
                  f"throughput ours/otter = {otter / first:.2f}x")
    return 0


if __name__ == "__main__":  # the workers are spawned: they import this file and must not re-run it
    sys.exit(main())
