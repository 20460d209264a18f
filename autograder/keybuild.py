"""Build an answer key: run every reference run in a fresh process, resumably, then assemble.

Layout of a build folder (default ``keys/<profile>/``)::

    runs/ex07-sheet-2.json   one file per finished run (atomic write); never recomputed
    runs/ex07-sheet-2.log    its progress output
    key.json                 the key (``autograder.keymodel``)
    report.md                today's numbers beside the sheet's 2021 numbers, spread, drift

An interrupted build resumes where it stopped: finished runs are read back, not redone.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from autograder import data as datasets
from autograder.environment import current
from autograder.errors import AutograderError
from autograder.fsutil import write_atomic
from autograder.keyassemble import Run, assemble
from autograder.keymodel import AnswerKey
from autograder.templating import render
from reference.profiles import get_profile
from reference.registry import COMPUTED, TRAINING

DEFAULT_SHEET_RUNS = {"full": {7: 5, 8: 5, 10: 2}, "smoke": {7: 2, 8: 2, 10: 1}}
NEEDS = {7: "boston_housing", 8: "boston_housing", 10: "fashion_mnist"}


@dataclass(frozen=True)
class RunSpec:
    exercise: int
    seeding: str
    index: int

    @property
    def name(self) -> str:
        return f"ex{self.exercise:02d}-{self.seeding}-{self.index}"


def plan(profile: str, exercises: Sequence[int] = COMPUTED,
         sheet_runs: dict[int, int] | None = None) -> list[RunSpec]:
    """Every run a key needs: one deterministic run per exercise, plus sheet-seeded runs for
    the training exercises (the spread a student following the sheet will see)."""
    counts = {**DEFAULT_SHEET_RUNS.get(profile, DEFAULT_SHEET_RUNS["smoke"]), **(sheet_runs or {})}
    specs = [RunSpec(e, "deterministic", 0) for e in exercises]
    for e in exercises:
        if e in TRAINING:
            specs += [RunSpec(e, "sheet", i) for i in range(counts.get(e, 0))]
    return specs


def _read_run(path: Path, profile: str) -> dict[str, Any] | None:
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return d if isinstance(d, dict) and d.get("profile") == profile else None


def execute(spec: RunSpec, profile: str, runs_dir: Path, progress: Callable[[str], None],
            prefix: str) -> dict[str, Any]:
    """Run one reference run in a fresh Python process; raise with its log tail if it fails."""
    out = runs_dir / f"{spec.name}.json"
    log = runs_dir / f"{spec.name}.log"
    cmd = [sys.executable, "-m", "reference.run", str(spec.exercise), "--profile", profile,
           "--seeding", spec.seeding, "--out", str(out)]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"}
    with log.open("w", encoding="utf-8") as fh:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=env)
        assert proc.stdout is not None
        for line in proc.stdout:
            fh.write(line)
            if line.startswith("ex"):
                progress(f"{prefix} {line.rstrip()}")
        code = proc.wait()
    result = _read_run(out, profile)
    if code != 0 or result is None:
        tail = "".join(log.read_text(encoding="utf-8", errors="replace").splitlines(True)[-15:])
        raise AutograderError(
            f"Reference run {spec.name} failed (exit code {code}).",
            where=str(log),
            fix=f"read the log; the build resumes from the finished runs when re-run.\n{tail}",
        )
    return result


def load_answers() -> dict[str, Any]:
    text = resources.files("reference").joinpath("answers.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def build(profile: str, out_dir: Path, *, exercises: Sequence[int] = COMPUTED,
          sheet_runs: dict[int, int] | None = None,
          progress: Callable[[str], None] = print) -> AnswerKey:
    """Run what is missing, assemble the key, write ``key.json`` and ``report.md``."""
    settings = get_profile(profile)
    needed = sorted({NEEDS[e] for e in exercises if e in NEEDS})
    if needed:
        datasets.verify_cache(needed)
    runs_dir = out_dir / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    specs = plan(profile, exercises, sheet_runs)
    runs: list[Run] = []
    for i, spec in enumerate(specs, 1):
        prefix = f"[{i}/{len(specs)}]"
        done = _read_run(runs_dir / f"{spec.name}.json", profile)
        if done is not None:
            progress(f"{prefix} {spec.name}: already done, reusing")
        else:
            progress(f"{prefix} {spec.name}: running")
            done = execute(spec, profile, runs_dir, progress, prefix)
            progress(f"{prefix} {spec.name}: finished in {done.get('wall_seconds', 0):.0f} s")
        runs.append(Run(spec.exercise, spec.seeding, spec.index, done))
    key = assemble(profile, settings.to_dict(), runs, load_answers(), current(),
                   _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    write_atomic(out_dir / "key.json", key.to_json())
    write_atomic(out_dir / "report.md", render_report(key))
    progress(f"key written to {out_dir / 'key.json'}; report {out_dir / 'report.md'}")
    return key


def sheet_values(sheet: dict[str, Any]) -> dict[str, Any]:
    """The sheet's 2021 numbers under the key's quantity ids, for the report."""
    out: dict[str, Any] = {}
    if "1" in sheet:
        out["ex1.y_hat"] = sheet["1"]["y_hat"]
        out.update({f"ex1.mean.{k}": v for k, v in sheet["1"]["means"].items()})
    if "3" in sheet:
        out.update({f"ex3.{k}": v for k, v in sheet["3"].items()})
    if "7" in sheet:
        out.update({f"ex7.{m}.final.{k}": v for m in ("A", "B") for k, v in sheet["7"][m].items()})
        out["ex7.A.params"] = out["ex7.B.params"] = sheet["7"].get("params")
    if "8" in sheet:
        out.update({f"ex8.test_mse.{b}": v for b, v in sheet["8"]["test_mse"].items()})
    if "10" in sheet:
        out.update({f"ex10.{n}.{k}": v for n in ("Inception", "ResNet")
                    for k, v in sheet["10"][n].items()})
    return out


def tolerance_text(q: Any) -> str:
    t = q.tolerance
    if t["kind"] == "exact":
        return "exact"
    if t["kind"] == "envelope":
        return "plot only (min–max envelope of the runs)"
    if t["kind"] == "close":
        return f"± max({t['rel']:g}·|v|, {t['abs']:g})"
    return " ∪ ".join(f"[{lo:.4g}, {hi:.4g}]" for lo, hi in t["intervals"])


def render_report(key: AnswerKey) -> str:
    from autograder.keyassemble import POLICIES

    per_metric = ", ".join(f"{name} rel={p.rel:g} abs={p.abs:g}" for name, p in POLICIES.items())
    rule = f"union over observed runs of v ± max(k·std(healthy runs), rel·|v|, abs), k = 3; {per_metric}"
    return render("key_report.md.j2", key=key, sheet=sheet_values(key.sheet_2021),
                  tolerance_text=tolerance_text, band_rule=rule)
