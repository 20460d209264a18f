"""Run one reference run of an assignment in this (fresh) process and write its numbers as JSON.

    python -m autograder.keyrun --assignment PATH --exercise EXERCISE_ID \\
        --profile PROFILE --seeding sheet --index 0 --out run.json

The key builder starts one such process per run: seeding as a sheet does is only meaningful in
a fresh process, and a crash or a dead kernel costs one run, not the build. The run's numbers
come from the assignment's ``run_reference`` hook; this module adds ``wall_seconds``,
``profile``, ``seeding`` and ``environment`` and writes the file atomically.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from autograder.assignment import RunSpec, load_assignment
from autograder.environment import current
from autograder.errors import AutograderError
from autograder.fsutil import write_atomic

# Progress lines carry this prefix on stdout, so the builder tells them from library noise
# (TensorFlow, warnings) and shows only them; the run's log gets every line, without it.
PROGRESS_MARK = "[progress] "


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder.keyrun")
    p.add_argument("--assignment", required=True, help="installed name or folder of the assignment")
    p.add_argument("--exercise", required=True, help="the contract's exercise id")
    p.add_argument("--profile", default="full")
    p.add_argument("--seeding", default="deterministic", choices=("deterministic", "sheet"))
    p.add_argument("--index", type=int, default=0)
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)

    def progress(msg: str) -> None:
        print(f"{PROGRESS_MARK}{msg}", flush=True)

    try:
        assignment = load_assignment(args.assignment)
        profile = assignment.profile(args.profile)
        if args.exercise not in assignment.reference_exercises:
            print(f"error: {args.exercise!r} is not computed by assignment {assignment.name!r}; "
                  f"computed: {', '.join(assignment.reference_exercises) or 'none'}", file=sys.stderr)
            return 2
        spec = RunSpec(args.exercise, args.seeding, args.index)
        start = time.perf_counter()
        result = dict(assignment.hooks.run_reference(assignment, spec, profile, progress))
    except AutograderError as exc:
        print(f"error: {exc.message()}", file=sys.stderr)
        return exc.exit_code
    result["wall_seconds"] = time.perf_counter() - start
    result["profile"] = args.profile
    result["profile_settings"] = profile.to_dict()
    result["seeding"] = args.seeding
    result["environment"] = current().to_dict()
    write_atomic(args.out, json.dumps(result, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
