"""Build an assignment's answer key: every reference run in a fresh process, resumably, then assemble.

Layout of a build folder (default ``<assignment>/keys/<profile>/``)::

    runs/<exercise>-<seeding>-<index>.json   one file per finished run (atomic write); never redone
    runs/<exercise>-<seeding>-<index>.log    its progress output
    key.json                                 the key (``autograder.keymodel``)
    report.md                                today's numbers beside the published ones, spread, drift

An interrupted build resumes where it stopped: finished runs are read back, not redone. Each
run is ``python -m autograder.keyrun`` (the assignment's ``run_reference`` hook); which runs a
key needs comes from the assignment's manifest (``[key]`` in ``assignment.toml``).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from autograder import data as datasets
from autograder.assignment import Assignment, Run, RunSpec
from autograder.environment import current
from autograder.errors import AssignmentError, AutograderError
from autograder.fsutil import write_atomic
from autograder.i18n import Echo, Msg, decode, msg
from autograder.i18n import render as render_message
from autograder.keyassemble import assemble
from autograder.keymodel import AnswerKey, Quantity
from autograder.keyrun import PROGRESS_MARK
from autograder.templating import render

Progress = Echo  # where the build says what it does (each run, and each run's own progress lines)


def variant_exercises(assignment: Assignment) -> tuple[str, ...]:
    """``[key] variants``: exercises with a run computing their named wrong variants."""
    return tuple(assignment.manifest.get("key", {}).get("variants", ()))


def notebook_runs(assignment: Assignment, profile: str) -> dict[str, int]:
    """``[key.notebook_runs.<profile>]``: runs of an exercise in the grader's own context."""
    per = assignment.manifest.get("key", {}).get("notebook_runs", {}).get(profile, {})
    return {str(k): int(v) for k, v in per.items()}


def plan(assignment: Assignment, profile_name: str, exercises: Sequence[str] | None = None,
         sheet_runs: Mapping[str, int] | None = None) -> list[RunSpec]:
    """Every run a key needs: one deterministic run per computed exercise, then the sheet-seeded
    runs of the training exercises (the spread a student following the sheet will see), the
    ``variants`` runs (named wrong variants, computed by running them) and the ``notebook``
    runs (the solution notebook seeded as the sheet says, run by the grader after its earlier
    cells: the context a student's exercise runs in).

    ``sheet_runs`` overrides the manifest's counts for ``profile_name`` (exercise id -> runs)."""
    computed = assignment.reference_exercises
    chosen = tuple(computed if exercises is None else exercises)
    unknown = [e for e in chosen if e not in computed]
    if unknown:
        raise AssignmentError(
            msg("keybuild_not_computed", assignment=assignment.name, exercises=", ".join(map(repr, unknown))),
            where=str(assignment.path("assignment.toml")),
            fix=msg("keybuild_not_computed_fix", computed=", ".join(computed) or msg("keybuild_none")))
    counts = {**assignment.sheet_runs(profile_name), **(sheet_runs or {})}
    training = assignment.training_exercises
    specs = [RunSpec(e, "deterministic", 0) for e in chosen]
    for e in chosen:
        if e in training:
            specs += [RunSpec(e, "sheet", i) for i in range(int(counts.get(e, 0)))]
    specs += [RunSpec(e, "variants", 0) for e in chosen if e in variant_exercises(assignment)]
    in_notebook = notebook_runs(assignment, profile_name)
    for e in chosen:
        specs += [RunSpec(e, "notebook", i) for i in range(in_notebook.get(e, 0))]
    return specs


def _read_run(path: Path, profile: str, settings: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """A finished run of ``profile``, or None. A run that records other profile ``settings``
    (the profile was changed since) is stale and is run again."""
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    if not isinstance(d, dict) or d.get("profile") != profile:
        return None
    recorded = d.get("profile_settings")
    if settings is not None and recorded is not None and recorded != dict(settings):
        return None
    return d


def execute(assignment: Assignment, spec: RunSpec, profile: str, runs_dir: Path, progress: Progress,
            prefix: str) -> dict[str, Any]:
    """Run one reference run in a fresh Python process; raise with its log tail if it fails."""
    out = runs_dir / f"{spec.name}.json"
    log = runs_dir / f"{spec.name}.log"
    cmd = [sys.executable, "-m", "autograder.keyrun", "--assignment", str(assignment.root),
           "--exercise", spec.exercise, "--profile", profile, "--seeding", spec.seeding,
           "--index", str(spec.index), "--out", str(out)]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"}
    with log.open("w", encoding="utf-8") as fh:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=env)
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(PROGRESS_MARK):
                line = line[len(PROGRESS_MARK):]
                progress(msg("keybuild_run_says", prefix=prefix, line=_run_line(line.rstrip())))
            fh.write(line)
        code = proc.wait()
    result = _read_run(out, profile)
    if code != 0 or result is None:
        tail = "".join(log.read_text(encoding="utf-8", errors="replace").splitlines(True)[-15:])
        raise AutograderError(
            msg("keybuild_run_failed", run=spec.name, code=code),
            where=str(log),
            fix=msg("keybuild_run_failed_fix", tail=tail),
        )
    return result


def _run_line(line: str) -> Msg | str:
    """A progress line of a run: the engine's own (``keyrun`` writes it coded, ``i18n.encode``) in
    the reader's language; the assignment's ``run_reference`` hook's as it is."""
    found = decode(line) if line.startswith("keyrun_") else None
    return msg(found[0], **found[1]) if found is not None else line


def build(assignment: Assignment, profile_name: str, out_dir: Path | None = None, *,
          exercises: Sequence[str] | None = None, sheet_runs: Mapping[str, int] | None = None,
          progress: Progress = print) -> AnswerKey:
    """Run what is missing, assemble the key, write ``key.json`` and ``report.md``.

    ``out_dir`` defaults to ``assignment.root/keys/<profile_name>`` (the committed key)."""
    profile = assignment.profile(profile_name)
    out_dir = assignment.path("keys", profile_name) if out_dir is None else Path(out_dir)
    specs = plan(assignment, profile_name, exercises, sheet_runs)
    needed = assignment.datasets_for([s.exercise for s in specs])
    if needed:
        datasets.verify_cache([d for d in assignment.datasets if d.name in needed])
    runs_dir = out_dir / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    runs: list[Run] = []
    for i, spec in enumerate(specs, 1):
        prefix = f"[{i}/{len(specs)}]"
        done = _read_run(runs_dir / f"{spec.name}.json", profile_name, profile.to_dict())
        if done is not None:
            progress(msg("keybuild_reusing", prefix=prefix, run=spec.name))
        else:
            progress(msg("keybuild_running", prefix=prefix, run=spec.name))
            done = execute(assignment, spec, profile_name, runs_dir, progress, prefix)
            progress(msg("keybuild_finished", prefix=prefix, run=spec.name,
                         seconds=f"{done.get('wall_seconds', 0):.0f}"))
        runs.append(Run(spec.exercise, spec.seeding, spec.index, done))
    key = assemble(assignment, profile, runs, current(),
                   _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"))
    write_atomic(out_dir / "key.json", key.to_json())
    write_atomic(out_dir / "report.md", render_report(key, assignment.key_report_intro(assignment.language),
                                                      assignment.language, messages=assignment.messages))
    progress(msg("keybuild_written", key=str(out_dir / "key.json"), report=str(out_dir / "report.md")))
    return key


# ---- the report ---------------------------------------------------------------------------------

def tolerance_text(q: Quantity) -> str:
    t = q.tolerance
    if t["kind"] == "exact":
        return "exact"
    if t["kind"] == "envelope":
        return "plot only (min–max envelope of the runs)"
    if t["kind"] == "close":
        text = f"± max({t['rel']:g}·|v|, {t['abs']:g})"
    else:
        text = " ∪ ".join(f"[{lo:.4g}, {hi:.4g}]" for lo, hi in t["intervals"])
    degenerate = " ∪ ".join(f"{d['value']:.6g} ({reason})" for reason, d in sorted(q.degenerate.items()))
    return f"{text} ∪ {degenerate}" if degenerate else text


def describe(text: str, lang: str, messages: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """A sentence the key holds as text (a quantity's ``description``, a drift ``summary`` the
    assignment wrote) in ``lang``: a coded message (``i18n.encode``) of the engine's catalogue or
    of the assignment's ``messages`` is rendered; plain text (older keys) is shown as it is."""
    return render_message(text, lang, extra=messages)


def natural(text: str) -> tuple[Any, ...]:
    """Sort key putting "x2" before "x10" (quantity and exercise ids)."""
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text))


def band_rules(key: AnswerKey) -> list[tuple[str, str, list[str]]]:
    """The distinct band rules of the key's quantities: (label, rule, quantity ids), in order."""
    rules: dict[str, list[str]] = {}
    for qid, q in sorted(key.quantities.items(), key=lambda kv: natural(kv[0])):
        if q.tolerance.get("kind") == "band":
            rules.setdefault(str(q.tolerance.get("rule", "")), []).append(qid)
    return [(f"R{i}", rule, qids) for i, (rule, qids) in enumerate(rules.items(), 1)]


def render_report(key: AnswerKey, intro: str = "", lang: str = "en", *,
                  messages: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """The key's Markdown report in ``lang`` (``pt``, ``en``); ``intro`` is the assignment's own
    prose in that language (``Assignment.key_report_intro(lang)``), ``messages`` its catalogue
    (``Assignment.messages``).

    Every sentence, header and verdict comes from the catalogue (``autograder/messages/keyreport.py``);
    the values (numbers, ids, code) are the key's. What the key holds as English text is put in
    ``lang`` when the engine wrote it (the band rules of ``BandPolicy.describe``, the drift summary
    of ``drift_verdict``); the assignment's own sentences (quantity descriptions, the summaries
    its ``keyrules`` wrote) are coded messages of ``messages`` (``i18n.encode``), rendered in
    ``lang`` (``describe``; a key whose sentences are plain text shows them as they are).
    Everything is listed in a fixed order, so a key read back from ``key.json`` renders the same
    report as the key just assembled."""
    from autograder.i18n import translate
    from autograder.keymodel import Drift

    def t(mid: str, **params: Any) -> str:
        return translate(mid, lang, **params)

    def said(text: str) -> str:
        return describe(text, lang, messages)

    rule_re = re.compile(r"union over observed runs of v ± max\((?P<k>[^·]+)·std\(healthy runs\), "
                         r"(?P<rel>[^·]+)·\|v\|, (?P<abs>[^)]+)\)(?:, within \[(?P<lower>[^,\]]+), "
                         r"(?P<upper>[^\]]+)\])?")

    def rule_text(rule: str) -> str:
        """A band rule (``BandPolicy.describe``, recorded in English in the key) in ``lang``."""
        m = rule_re.fullmatch(rule)
        if m is None:
            return rule
        within = m["lower"] is not None
        return (t("keyreport_rule", k=m["k"], rel=m["rel"], abs=m["abs"])
                + (t("keyreport_rule_within", lower=m["lower"], upper=m["upper"]) if within else ""))

    def summary(d: Drift) -> str:
        """The drift summary in ``lang``: rebuilt from the verdict's numbers when ``drift_verdict``
        wrote it (its English sentence starts so), else the assignment's own sentence."""
        if not d.summary.startswith(f"Exercise {d.exercise}: the official answer ({d.official}) is "
                                    "supported by "):
            return said(d.summary)
        others = ", ".join(t("keyreport_drift_letter_in", letter=k, n=v)
                           for k, v in sorted(d.letters_supported.items()) if k != d.official)
        deterministic = ("" if "; the deterministic run supports " not in d.summary
                         else t("keyreport_drift_deterministic", letters=", ".join(d.deterministic_supports))
                         if d.deterministic_supports else t("keyreport_drift_deterministic_none"))
        return t("keyreport_drift_summary", exercise=d.exercise, official=d.official,
                 supporting=d.runs_supporting_official, runs=d.runs,
                 others=t("keyreport_drift_others", letters=others) if others else "",
                 deterministic=deterministic)

    rules = band_rules(key)
    label = {qid: lab for lab, _rule, qids in rules for qid in qids}
    return render("key_report.md.j2", key=key, intro=intro.strip(), tolerance_text=tolerance_text,
                  t=t, verdict=lambda status: t(f"drift_status_{status}"), summary=summary, said=said,
                  rule_text=rule_text, band_rules=rules, rule_label=label,
                  quantities=sorted(key.quantities.items(), key=lambda kv: natural(kv[0])),
                  run_counts=sorted(key.runs.items(), key=lambda kv: natural(kv[0])))
