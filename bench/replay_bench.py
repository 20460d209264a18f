"""Benchmark: exercise 10 replay-verified vs fully re-executed. Not a test: it prints figures.

    .venv/bin/python bench/replay_bench.py --profile full      # the real figure (~35 min on 2 cores)
    .venv/bin/python bench/replay_bench.py --profile smoke     # a quick run of the same code

Options: ``--assignment NAME|PATH`` (default cnn_treinamento), ``--exercise ID`` (default ex10).

1. the student's run: the solution notebook of the profile executed top to bottom by a plain
   Jupyter kernel (nbclient), as a student would before submitting (the self-check saves the
   values obtained in the notebook);
2. grading exercise 10 of that notebook with ``mode="fast"`` (replay of the first epochs);
3. grading exercise 10 with ``mode="full"`` (complete re-execution);
and prints 2 / 3, the verification each got, and the scores.
Needs the datasets in the Keras cache (``autograder data install``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.api import GradeOptions, grade
from autograder.assignment import Assignment, load_assignment
from autograder.authoring import notebook
from autograder.contract import parse_contract
from autograder.keymodel import load_key


def only_exercise(assignment: Assignment, exercise: str) -> Assignment:
    """``assignment`` graded on ``exercise`` alone: its contract restricted to that exercise,
    the authored source read (and checked) against the whole contract first."""
    data = json.loads(assignment.path("contract.json").read_text(encoding="utf-8"))
    contract = parse_contract({**data, "exercises": [e for e in data["exercises"] if e["id"] == exercise]})
    restricted = dataclasses.replace(assignment)
    # both are cached properties: the values stored here are the ones the grader reads
    restricted.__dict__["authored"] = assignment.authored
    restricted.__dict__["contract"] = contract
    return restricted


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", choices=["smoke", "full"], default="smoke")
    ap.add_argument("--replay-epochs", type=int, default=3)
    ap.add_argument("--assignment", default="cnn_treinamento", help="installed name or folder")
    ap.add_argument("--exercise", default="ex10", help="the training exercise to grade")
    args = ap.parse_args()

    full = load_assignment(args.assignment)
    profile = full.profile(args.profile)
    key = load_key(full.key_path(args.profile))
    assignment = only_exercise(full, args.exercise)
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        nb = notebook(full, "solution", profile)
        t0 = time.perf_counter()
        NotebookClient(nb, timeout=7200, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp)}}).execute()
        student = time.perf_counter() - t0
        path = tmp / "executed.ipynb"
        nbformat.write(nb, path)
        print(f"1. student's run of the whole notebook ({args.profile}): {student:8.1f} s")

        figures = {}
        for mode in ("fast", "full"):
            options = GradeOptions(mode=mode, replay_epochs=args.replay_epochs, time_factor=5.0)
            t0 = time.perf_counter()
            result = grade(path, key, assignment, options=options)
            figures[mode] = time.perf_counter() - t0
            ex = result.exercises[0]
            print(f"{2 if mode == 'fast' else 3}. grading {args.exercise}, mode {mode}: "
                  f"{figures[mode]:8.1f} s  verification={ex.verification} "
                  f"score={ex.score:g}/{ex.max_score:g}")
        setting = full.epoch_settings.get(args.exercise)
        epochs = profile[setting] if setting else "?"
        print(f"replay-verified / full = {figures['fast'] / figures['full']:.3f}  "
              f"(target <= 0.10 on the full profile; replayed {args.replay_epochs} epoch(s) of {epochs})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
