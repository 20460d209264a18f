"""Run one reference run of an assignment in this (fresh) process and write its numbers as JSON.

    python -m autograder.keyrun --assignment PATH --exercise EXERCISE_ID \\
        --profile PROFILE --seeding sheet --index 0 --out run.json

The key builder starts one such process per run: seeding as a sheet does is only meaningful in
a fresh process, and a crash or a dead kernel costs one run, not the build. The run's numbers
come from the assignment's ``run_reference`` hook (seedings ``deterministic``, ``sheet`` and
``variants``); this module adds ``wall_seconds``, ``profile``, ``seeding`` and ``environment``
and writes the file atomically.

``--seeding notebook`` is the engine's own: the grader executes the profile's solution notebook,
changed as ``[key.notebook_seeding.<exercise>]`` says (the sheet's seeding), up to and including
the exercise, in its sandboxed kernel exactly as it grades a student (earlier cells first), and
the run records what it extracted (``{"extracted": {part: {name: value}}, "status": ...}``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from autograder.assignment import Assignment, ExampleEdit, Profile, RunSpec, load_assignment
from autograder.environment import current
from autograder.errors import AutograderError
from autograder.fsutil import write_atomic
from autograder.i18n import LANGUAGES, encode, msg, translate

# Progress lines carry this prefix on stdout, so the builder tells them from library noise
# (TensorFlow, warnings) and shows only them; the run's log gets every line, without it.
PROGRESS_MARK = "[progress] "


def _log_language() -> str:
    """The language of what this process writes to its log: ``$AUTOGRADER_LANG``'s, else English."""
    code = os.environ.get("AUTOGRADER_LANG", "").strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    return code if code in LANGUAGES else "en"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder.keyrun")
    p.add_argument("--assignment", required=True, help="installed name or folder of the assignment")
    p.add_argument("--exercise", required=True, help="the contract's exercise id")
    p.add_argument("--profile", default="full")
    p.add_argument("--seeding", default="deterministic",
                   choices=("deterministic", "sheet", "variants", "notebook"))
    p.add_argument("--index", type=int, default=0)
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)

    def progress(line: str) -> None:  # the hook's lines as they are, the engine's coded
        print(f"{PROGRESS_MARK}{line}", flush=True)

    try:
        assignment = load_assignment(args.assignment)
        profile = assignment.profile(args.profile)
        if args.exercise not in assignment.reference_exercises:
            lang = _log_language()
            said = msg("keyrun_not_computed", exercise=args.exercise, assignment=assignment.name,
                       computed=", ".join(assignment.reference_exercises) or msg("keybuild_none"))
            print(translate("error_line", lang, message=said), file=sys.stderr)
            return 2
        spec = RunSpec(args.exercise, args.seeding, args.index)
        start = time.perf_counter()
        if spec.seeding == "notebook":
            result = notebook_run(assignment, profile, spec.exercise, progress)
        else:
            result = dict(assignment.hooks.run_reference(assignment, spec, profile, progress))
    except AutograderError as exc:
        lang = _log_language()
        print(translate("error_line", lang, message=exc.message(lang)), file=sys.stderr)
        return exc.exit_code
    result["wall_seconds"] = time.perf_counter() - start
    result["profile"] = args.profile
    result["profile_settings"] = profile.to_dict()
    result["seeding"] = args.seeding
    result["environment"] = current().to_dict()
    write_atomic(args.out, json.dumps(result, indent=1, sort_keys=True))
    return 0


def notebook_edits(assignment: Assignment, exercise: str) -> tuple[ExampleEdit, ...]:
    """``[key.notebook_seeding.<exercise>]``: changes to the solution notebook (cell, old/new or
    prepend, as in example.toml) that make it seed as the sheet says."""
    edits = assignment.manifest.get("key", {}).get("notebook_seeding", {}).get(exercise, ())
    return tuple(ExampleEdit(**dict(e)) for e in edits)


def notebook_run(assignment: Assignment, profile: Profile, exercise: str,
                 progress: Any = print) -> dict[str, Any]:
    """Run the solution notebook, seeded as the sheet says, through the grader's own pipeline
    (restore, plan, sandboxed kernel, probe) up to and including ``exercise``."""
    import nbformat

    from autograder import data, prepare
    from autograder import execute as executing
    from autograder.authoring import authored_cells, notebook
    from autograder.example import _apply
    from autograder.sandbox import Limits, Sandbox

    nb = notebook(assignment, "solution", profile)
    edits = notebook_edits(assignment, exercise)
    for edit in edits:
        _apply(nb, edit)
    contract = assignment.contract
    full = prepare.plan(nbformat.writes(nb).encode(), authored_cells(assignment.authored, profile),
                        contract, where="solution notebook")
    order = [e.id for e in contract.exercises]
    upto = set(order[: order.index(exercise) + 1]) | {"intro"}
    plan = prepare.Plan(cells=tuple(c for c in full.cells if c.exercise in upto), restored=(), notes=())
    datasets_dir = data.verify_cache(assignment.datasets)
    budgets = {e: 7200.0 for e in order}
    # the engine's own lines are coded (``i18n.encode``): the builder says them in its reader's language
    progress(encode("keyrun_notebook_start", exercise=exercise))
    limits = Limits(memory_mb=4096, max_processes=256, max_output_bytes=2_000_000)  # grading's
    with Sandbox(limits, datasets_dir=datasets_dir, backend="auto") as sandbox:
        session = executing.Session(sandbox)
        execution = executing.execute(
            plan, contract, budgets, session,
            progress=lambda ex, run: (progress(encode("keyrun_notebook_exercise", exercise=ex,
                                                      status=run.status)) if run else None))
    run = execution.exercises[exercise]
    before = [e for e in order if e in upto and e != exercise]
    return {"exercise": exercise, "status": run.status, "extracted": run.extracted,
            "error": f"{run.error.ename}: {run.error.evalue}" if run.error else "",
            "edits": [vars(e) for e in edits], "ran_before": before,
            "backend": execution.sandbox.get("backend", "")}


if __name__ == "__main__":
    sys.exit(main())
