"""Benchmark: exercise 10 replay-verified vs fully re-executed. Not a test: it prints figures.

    .venv/bin/python bench/replay_bench.py --profile full      # the real figure (~35 min on 2 cores)
    .venv/bin/python bench/replay_bench.py --profile smoke     # a quick run of the same code

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
import json
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.api import GradeOptions, grade
from autograder.contract import contract_path, parse_contract
from autograder.keymodel import load_key
from reference.profiles import get_profile

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", choices=["smoke", "full"], default="smoke")
    ap.add_argument("--replay-epochs", type=int, default=3)
    args = ap.parse_args()

    from assignments.build import notebook

    key_path = REPO / "keys" / args.profile / "key.json"
    key = load_key(key_path)
    data = json.loads(contract_path().read_text())
    contract = parse_contract({**data, "exercises": [e for e in data["exercises"] if e["id"] == "ex10"]})
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        nb = notebook("solution", get_profile(args.profile))
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
            result = grade(path, key, options=options, contract=contract)
            figures[mode] = time.perf_counter() - t0
            ex10 = result.exercises[0]
            print(f"{2 if mode == 'fast' else 3}. grading exercise 10, mode {mode}: {figures[mode]:8.1f} s  "
                  f"verification={ex10.verification} score={ex10.score:g}/{ex10.max_score:g}")
        print(f"replay-verified / full = {figures['fast'] / figures['full']:.3f}  "
              f"(target <= 0.10 on the full profile; replayed {args.replay_epochs} epoch(s) of "
              f"{get_profile(args.profile).ex10_epochs})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
