"""Command line: parses arguments and calls the Python API, nothing more."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path
from typing import Any, NoReturn

import click

from autograder.errors import AutograderError, SubmissionError


def _fail(exc: AutograderError) -> NoReturn:
    click.secho(f"error: {exc.message()}", fg="red", err=True)
    sys.exit(exc.exit_code)


@click.group()
@click.version_option(package_name="dl-autograder")
def main() -> None:
    """Sandboxed auto-grader for Jupyter exercise sheets; each assignment is a plug-in folder."""


_ASSIGNMENT_HELP = "The assignment: an installed name or the path of its folder."


@main.group()
def data() -> None:
    """Datasets in the Keras cache (those the installed assignments declare)."""


@data.command("install")
@click.option("--from", "source", type=click.Path(path_type=Path),
              help="Folder with the Keras files, laid out like the Keras cache. "
                   "Without it, Keras downloads them (needs internet). "
                   "Defaults to $AUTOGRADER_DATA when set.")
@click.option("--assignment", default=None, help=_ASSIGNMENT_HELP + " Default: every installed one.")
@click.option("--dataset", "names", multiple=True, help="Only these datasets (default: all).")
def data_install(source: Path | None, assignment: str | None, names: tuple[str, ...]) -> None:
    """Copy (or download) the datasets into the Keras cache, verifying every sha256."""
    from autograder import data as ds

    try:
        wanted = ds.resolve(assignment, names)
        source = source or ds.default_source()
        cache = (ds.install_from(source, wanted, log=click.echo) if source
                 else ds.download(wanted))
    except AutograderError as exc:
        _fail(exc)
    click.echo(f"datasets ready in {cache}")


@data.command("verify")
@click.option("--assignment", default=None, help=_ASSIGNMENT_HELP + " Default: every installed one.")
@click.option("--dataset", "names", multiple=True, help="Only these datasets (default: all).")
def data_verify(assignment: str | None, names: tuple[str, ...]) -> None:
    """Check that the Keras cache holds verified copies of the datasets."""
    from autograder import data as ds

    try:
        cache = ds.verify_cache(ds.resolve(assignment, names))
    except AutograderError as exc:
        _fail(exc)
    click.echo(f"all dataset files verified in {cache}")


@main.group()
def key() -> None:
    """The answer key: build it from the reference solutions, or re-render its report."""


@key.command("build")
@click.option("--profile", default="full", show_default=True,
              help="A profile of the assignment's assignment.toml (e.g. full, smoke).")
@click.option("--assignment", default=None, help=_ASSIGNMENT_HELP + " Default: the only installed one.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Build folder (default <assignment>/keys/<profile>). Finished runs there are reused.")
@click.option("--exercise", "exercises", multiple=True,
              help="Only these computed exercises (the contract's exercise ids).")
@click.option("--sheet-runs", type=int, default=None,
              help="Runs under the sheet's seeding per training exercise "
                   "(default: the assignment's [key.sheet_runs.<profile>]).")
def key_build(profile: str, assignment: str | None, out: Path | None, exercises: tuple[str, ...],
              sheet_runs: int | None) -> None:
    """Recompute the reference numbers here and write key.json and report.md."""
    from autograder.assignment import load_assignment
    from autograder.keybuild import build

    try:
        a = load_assignment(assignment)
        runs = ({e: sheet_runs for e in a.training_exercises} if sheet_runs is not None else None)
        build(a, profile, out, exercises=exercises or None, sheet_runs=runs, progress=click.echo)
    except AutograderError as exc:
        _fail(exc)


@key.command("report")
@click.argument("key_path", type=click.Path(path_type=Path))
@click.option("--assignment", default=None,
              help=_ASSIGNMENT_HELP + " Default: the one the key records, when installed.")
def key_report(key_path: Path, assignment: str | None) -> None:
    """Print the Markdown report of an existing key."""
    from autograder.assignment import check_same, installed, load_assignment
    from autograder.keybuild import render_report
    from autograder.keymodel import load_key

    try:
        k = load_key(key_path)
        intro = ""
        if assignment:
            a = load_assignment(assignment)
            check_same(a, k.assignment, "key", where=str(key_path))
            intro = a.key_report_intro()
        elif k.assignment.get("name") in installed():
            intro = load_assignment(k.assignment["name"]).key_report_intro()
        click.echo(render_report(k, intro), nl=False)
    except AutograderError as exc:
        _fail(exc)


def _resolve_assignment(assignment: str | None, key_path: Path | None = None,
                        raw: bytes | None = None) -> Any:
    """``--assignment``; else the one the notebook (or the key) names; else the only installed one."""
    from autograder.assignment import for_notebook, installed, load_assignment, notebook_assignment

    if assignment is None and raw is not None:
        named = notebook_assignment(raw)
        if named is not None and named in installed():
            return for_notebook(raw)
    if assignment is None and key_path is not None and Path(key_path).is_file():
        from autograder.keymodel import load_key

        name = load_key(Path(key_path)).assignment.get("name")
        if name in installed():
            return load_assignment(name)
    return load_assignment(assignment)


def _batch_assignment(assignment: str | None, key_path: Path | None, scheduler: str | None,
                      cluster: str | None) -> Any:
    """The assignment of a batch (``grade-batch``, ``regrade``); where it runs is one choice."""
    if scheduler and cluster:
        raise click.UsageError("pass --scheduler or --cluster, not both")
    try:
        return _resolve_assignment(assignment, key_path)
    except AutograderError as exc:
        _fail(exc)


def _summary_lines(result: object, lang: str) -> list[str]:
    from autograder.i18n import render, translate
    from autograder.report import error_text, key_warning_texts, message_texts
    from autograder.results import GradeResult

    assert isinstance(result, GradeResult)
    status_text = translate(f"submission_status_{result.status}", lang)
    lines = [f"{result.student.id}: {result.score:g} / {result.max_score:g}  ({status_text})"]
    for e in result.exercises:
        status = translate(f"status_{e.status}", lang)
        line = f"  {e.id:<6} {e.score:>5g} / {e.max_score:<4g} {status}"
        if e.error:
            line += f" — {error_text(e.error, lang, result.sandbox, e.id)[:100]}"
        lines.append(line)
    lines += [f"  ! {m}" for m in message_texts(result, lang, for_student=False)]
    lines += [f"  ! {w}" for w in key_warning_texts(result, lang)]
    lines += [f"  ! {translate('limit_not_enforced', lang, what=render(str(w), lang))}"
              for w in result.sandbox.get("not_enforced", [])]
    return lines


@main.command("grade")
@click.argument("submission", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--assignment", default=None,
              help=_ASSIGNMENT_HELP + " Default: the one the notebook names, or the only installed one.")
@click.option("--key", "key_path", type=click.Path(path_type=Path), default=None,
              help="The answer key (key.json). Default: the assignment's committed full key.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Where to write the result JSON (default: <submission>.result.json).")
@click.option("--student", "student_id", default=None, help="Student id (default: the file name).")
@click.option("--lang", type=click.Choice(["pt", "en"]), default=None,
              help="Language of what students and TAs read (default: the assignment's).")
@click.option("--backend", type=click.Choice(["auto", "bubblewrap", "none"]), default="auto",
              show_default=True, help="Sandbox: bubblewrap, or none (no isolation; see README).")
@click.option("--time-factor", type=float, default=3.0, show_default=True,
              help="Time budget per exercise = max(floor, factor × the fastest run the key recorded).")
@click.option("--time-floor", type=float, default=60.0, show_default=True)
@click.option("--memory-mb", type=int, default=4096, show_default=True)
def grade_cmd(submission: Path, assignment: str | None, key_path: Path | None, out: Path | None,
              student_id: str | None, lang: str | None, backend: str, time_factor: float, time_floor: float,
              memory_mb: int) -> None:
    """Grade one notebook: writes the result JSON and prints a summary.

    Exits 0 whenever grading ran, even if the student scored 0; non-zero only when grading
    itself failed (missing key or datasets, a key or notebook of another assignment) and 6 when
    the notebook cannot be read at all (the result, score 0, says why)."""
    from autograder.api import GradeOptions, grade, profile_mismatch
    from autograder.assignment import check_same, notebook_assignment
    from autograder.environment import compatibility_issues, current
    from autograder.errors import AssignmentMismatch
    from autograder.fsutil import write_atomic
    from autograder.i18n import render, translate
    from autograder.keymodel import key_sha256, load_key
    from autograder.progress import ExerciseProgress
    from autograder.results import Student

    if zipfile.is_zipfile(submission):  # a class, not a notebook: say which command grades it
        raise click.UsageError(translate("cli_zip_use_batch", lang or "pt", path=str(submission)))
    try:
        raw = submission.read_bytes()
        a = _resolve_assignment(assignment, key_path, raw=raw)
        named = notebook_assignment(raw)
        if named and named != a.name:
            raise AssignmentMismatch(f"The notebook belongs to the assignment {named!r}, not {a.name!r}.",
                                     where=str(submission),
                                     fix=f"grade it with --assignment {named} and that assignment's key.")
        key_path = key_path or a.key_path("full")
        lang = lang or a.language
        key = load_key(key_path)
        check_same(a, key.assignment, "answer key", where=str(key_path))  # before any warning about it
        for kind, params in compatibility_issues(key.environment, current()):
            click.secho(f"WARNING: {translate(f'key_env_{kind}', lang, **params)}", fg="yellow", err=True)
        if mismatch := profile_mismatch(raw, key):
            click.secho(render(mismatch, lang), fg="yellow", bold=True, err=True)
        options = GradeOptions(time_factor=time_factor, time_floor_s=time_floor, memory_mb=memory_mb,
                               backend=backend, key_runs_dir=Path(key_path).parent / "runs")
        student = Student(id=student_id or submission.stem, source="command line")
        with ExerciseProgress(a.contract, lang) as progress:
            result = grade(submission, key, a, key_sha256=key_sha256(key_path), options=options,
                           student=student, progress=progress.update)
    except AutograderError as exc:
        _fail(exc)
    out = out or submission.with_name(submission.name + ".result.json")
    write_atomic(out, result.to_json())
    click.echo("\n".join(_summary_lines(result, lang or "pt")))
    click.echo(f"result written to {out}")
    if result.status == "invalid_submission":  # the result says why; the exit code says it too
        sys.exit(SubmissionError.exit_code)


@main.command("grade-batch")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--assignment", default=None,
              help=_ASSIGNMENT_HELP + " Default: the one the key names, or the only installed one.")
@click.option("--key", "key_path", type=click.Path(path_type=Path), default=None,
              help="The answer key (default: the assignment's committed full key).")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Output folder: results/, logs/, summary.json, problems.txt. Re-running resumes.")
@click.option("--workers", type=int, default=None,
              help="Parallel graders (default: the cores, bounded by memory, ~1.5 GB each).")
@click.option("--backend", type=click.Choice(["auto", "bubblewrap", "none"]), default="auto",
              show_default=True)
@click.option("--mode", type=click.Choice(["full", "fast"]), default="full", show_default=True,
              help="fast: reuse cached exercises and replay-verify expensive training (see README).")
@click.option("--time-factor", type=float, default=3.0, show_default=True)
@click.option("--time-floor", type=float, default=60.0, show_default=True)
@click.option("--audit-share", type=click.FloatRange(0, 1), default=0.1, show_default=True,
              help="--mode fast: the share of submissions, drawn at random, whose replayable "
                   "exercises are re-executed in full (the audit; README, fast mode).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Grade on a Dask cluster: its scheduler, tcp://HOST:PORT (or tls://; README: "
                   "distributed grading).")
@click.option("--cluster", default=None, metavar="local:N",
              help="Grade on a Dask LocalCluster of N worker processes on this machine.")
@click.option("--max-tries", type=int, default=3, show_default=True,
              help="--cluster: a submission whose worker dies this many times is a grader_error (with "
                   "--scheduler, the scheduler's distributed.scheduler.allowed-failures + 1).")
@click.option("--gradebook", default=None, metavar="PATH|URL",
              help="Record every result in this gradebook (a SQLite file or postgresql://...). "
                   "Default: OUT/gradebook.sqlite.")
@click.option("--no-gradebook", is_flag=True, help="Write the result files only.")
@click.option("--due", default=None, help="Due date (ISO 8601) for the late policy, instead of the "
              "assignment's [late] due date.")
@click.option("--worksheet", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Moodle: the grading worksheet (team members, submission times for the late policy).")
def grade_batch_cmd(path: Path, assignment: str | None, key_path: Path | None, out: Path,
                    workers: int | None, backend: str, mode: str, time_factor: float,
                    time_floor: float, scheduler: str | None, cluster: str | None, max_tries: int,
                    gradebook: str | None, no_gradebook: bool, due: str | None = None,
                    worksheet: Path | None = None, audit_share: float = 0.1) -> None:
    """Grade a whole class: a folder or zip as Moodle, Canvas or Gradescope export it."""
    from autograder.api import GradeOptions
    from autograder.batch.runner import cli_grade_batch

    a = _batch_assignment(assignment, key_path, scheduler, cluster)
    options = GradeOptions(backend=backend, time_factor=time_factor, time_floor_s=time_floor,
                           mode=mode, cache_dir=out / "cache" if mode == "fast" else None,
                           late_due=due or "", moodle_worksheet=str(worksheet or ""),
                           audit_share=audit_share,
                           key_runs_dir=str(Path(key_path or a.key_path("full")).parent / "runs"))
    book = None if no_gradebook else gradebook or str(out / "gradebook.sqlite")
    if book is not None and "://" not in book:
        Path(book).parent.mkdir(parents=True, exist_ok=True)
    try:
        code = cli_grade_batch(path, key_path or a.key_path("full"), out, workers, assignment=a,
                               options=options, scheduler=scheduler, cluster=cluster, gradebook=book,
                               max_tries=max_tries)
    except ValueError as exc:  # --cluster not local:N
        raise click.UsageError(str(exc)) from exc
    sys.exit(code)


@main.command("report")
@click.argument("results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--assignment", default=None,
              help=_ASSIGNMENT_HELP + " Default: the one the key names, or the only installed one.")
@click.option("--key", "key_path", type=click.Path(path_type=Path), default=None,
              help="The key the results were graded with (for reference bands in plots).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: RESULTS_DIR/../reports).")
@click.option("--lang", type=click.Choice(["pt", "en"]), default=None,
              help="Language of what students and TAs read (default: the assignment's).")
@click.option("--reveal", type=click.Choice(["never", "after_due", "always"]), default="never",
              show_default=True, help="When to show expected values and correct letters.")
@click.option("--due", default=None, help="Due date (ISO 8601), for --reveal after_due.")
def report_cmd(results_dir: Path, assignment: str | None, key_path: Path | None, out: Path | None,
               lang: str | None, reveal: str, due: str | None) -> None:
    """Re-render student reports and the class summary from existing results (no regrading)."""
    from autograder.report import CORRUPT_RESULT_EXIT, cli_report

    try:
        a = _resolve_assignment(assignment, key_path)
        code = cli_report(results_dir, key_path, out or results_dir.parent / "reports",
                          lang=lang or a.language, reveal=reveal, due=due, assignment=a, echo=click.echo)
    except AutograderError as exc:
        _fail(exc)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    if code == CORRUPT_RESULT_EXIT:
        click.echo(f"Where: {results_dir}\nWhat to do: run the same `autograder grade-batch` again (it "
                   "grades again a submission whose result cannot be read), or move a file that is not a "
                   "result out of RESULTS_DIR; every other report is written.", err=True)
    sys.exit(code)


@main.command("export")
@click.argument("target", type=click.Choice(["csv", "moodle", "canvas", "gradescope", "gradescope-bundle"]))
@click.argument("results_dir", type=click.Path(path_type=Path), required=False)
@click.option("--assignment", default=None,
              help=_ASSIGNMENT_HELP + " Default: the one the key names, or the only installed one.")
@click.option("--out", type=click.Path(path_type=Path), required=True)
@click.option("--key", "key_path", type=click.Path(path_type=Path), default=None)
@click.option("--lang", type=click.Choice(["pt", "en"]), default=None,
              help="Language of what students and TAs read (default: the assignment's).")
@click.option("--reveal", type=click.Choice(["never", "after_due", "always"]), default="never",
              show_default=True)
@click.option("--due", default=None)
@click.option("--worksheet", type=click.Path(exists=True, path_type=Path), default=None,
              help="Moodle: the grading worksheet CSV downloaded from the assignment.")
@click.option("--gradebook", type=click.Path(exists=True, path_type=Path), default=None,
              help="Canvas: an exported gradebook CSV to fill (optional).")
@click.option("--assignment-name", default=None)
@click.option("--assignment-id", default=None)
@click.option("--points-possible", type=float, default=None)
@click.option("--from-gradebook", default=None, metavar="PATH|URL",
              help="Instead of RESULTS_DIR: the latest grade per student in this gradebook, TA "
                   "overrides applied (the export says which attempt each one is).")
@click.option("--with-datasets", is_flag=True,
              help="gradescope-bundle: carry the assignment's dataset files, verified, from the Keras "
                   "cache (else setup.sh downloads them from the Keras URLs).")
def export_cmd(target: str, results_dir: Path | None, assignment: str | None, out: Path,
               key_path: Path | None, lang: str | None, reveal: str, due: str | None, worksheet: Path | None,
               gradebook: Path | None, assignment_name: str | None, assignment_id: str | None,
               points_possible: float | None, from_gradebook: str | None, with_datasets: bool) -> None:
    """Export grades: Moodle worksheet + feedback zip, Canvas CSV, Gradescope, plain CSV."""
    from autograder.data import keras_cache_dir
    from autograder.export import cli_export

    if results_dir is not None and from_gradebook is not None:
        raise click.UsageError("pass RESULTS_DIR or --from-gradebook, not both")
    try:
        a = _resolve_assignment(assignment, key_path)
        if target == "gradescope-bundle" and key_path is None:
            key_path = a.key_path("full")
        sys.exit(cli_export(target, results_dir, out, key_path=key_path, lang=lang or a.language,
                            reveal=reveal,
                            due=due, worksheet=worksheet, gradebook=gradebook,
                            assignment_name=assignment_name, assignment_id=assignment_id,
                            points_possible=points_possible, assignment=a, echo=click.echo,
                            from_gradebook=from_gradebook,
                            datasets_dir=keras_cache_dir() if with_datasets else None))
    except AutograderError as exc:
        _fail(exc)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


@main.command("example")
@click.option("--assignment", default=None, help=_ASSIGNMENT_HELP + " Default: the only installed one, "
              "else the first one with an example class.")
@click.option("--out", type=click.Path(path_type=Path), default=Path("example-output"), show_default=True)
@click.option("--key", "key_path", type=click.Path(path_type=Path), default=None,
              help="Default: the assignment's smoke key (keeps the example to a few minutes).")
@click.option("--workers", type=int, default=None)
def example_cmd(assignment: str | None, out: Path, key_path: Path | None, workers: int | None) -> None:
    """Grade the built-in example class offline: results, reports and LMS exports in one folder."""
    from autograder.example import default_example_assignment, run_example

    try:
        a = default_example_assignment(assignment)
        sys.exit(run_example(a, out, key_path, workers=workers, echo=click.echo))
    except AutograderError as exc:
        _fail(exc)


@main.group("assignment")
def assignment_group() -> None:
    """Assignments: list them, write their notebooks, check the committed ones."""


@assignment_group.command("list")
def assignment_list() -> None:
    """The installed assignments (entry point group dl_autograder.assignments)."""
    from autograder.assignment import all_installed

    try:
        for a in all_installed():
            click.echo(f"{a.name:20} {a.version:8} {a.title}  ({a.root})")
    except AutograderError as exc:
        _fail(exc)


@assignment_group.command("notebooks")
@click.option("--assignment", default=None, help=_ASSIGNMENT_HELP + " Default: the only installed one.")
@click.option("--profile", default="full", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), required=True)
def assignment_notebooks(assignment: str | None, profile: str, out: Path) -> None:
    """Write the student and solution notebooks of a profile into OUT."""
    from autograder.assignment import load_assignment
    from autograder.authoring import write_all

    try:
        a = load_assignment(assignment)
        for path in write_all(a, out, profile).values():
            click.echo(f"wrote {path}")
    except AutograderError as exc:
        _fail(exc)


@assignment_group.command("build")
@click.option("--assignment", default=None, help=_ASSIGNMENT_HELP + " Default: every installed one.")
@click.option("--check", is_flag=True, help="Only say whether the committed notebooks are up to date "
              "(exit 1 when they are not).")
def assignment_build(assignment: str | None, check: bool) -> None:
    """Regenerate the committed notebooks (generated/, full profile) from source.md."""
    from autograder.assignment import all_installed, installed, load_assignment
    from autograder.authoring import stale_generated, write_all

    try:
        chosen = (load_assignment(assignment),) if assignment else all_installed()
        stale_any = False
        for a in chosen:
            if check:
                stale = stale_generated(a)
                for path in stale:
                    click.echo(f"out of date: {path}", err=True)
                if stale:
                    spec = a.name if a.name in installed() else str(a.root)
                    click.echo(f"run `autograder assignment build --assignment {spec}` to regenerate "
                               "them.", err=True)
                else:
                    click.echo(f"{a.name}: the committed notebooks are up to date")
                stale_any |= bool(stale)
                continue
            for kind, path in write_all(a, a.generated_dir, "full").items():
                click.echo(f"wrote {kind:8} {path}")
    except AutograderError as exc:
        _fail(exc)
    sys.exit(1 if stale_any else 0)


@assignment_group.command("otter")
@click.option("--assignment", default=None, help=_ASSIGNMENT_HELP + " Default: the only installed one.")
@click.option("--profile", default="full", show_default=True)
@click.option("--key", "key_path", type=click.Path(path_type=Path), default=None,
              help="key.json of the same profile (default: the assignment's committed one).")
@click.option("--out", type=click.Path(path_type=Path), required=True)
def assignment_otter(assignment: str | None, profile: str, key_path: Path | None, out: Path) -> None:
    """Write an otter-grader master notebook (then run `otter assign` on it)."""
    from autograder.assignment import load_assignment
    from autograder.export.otter import write_master

    try:
        a = load_assignment(assignment)
        click.echo(f"wrote {write_master(a, out, a.profile(profile), key_path or a.key_path(profile))}")
    except AutograderError as exc:
        _fail(exc)


@main.command("new")
@click.argument("name")
@click.option("--dir", "folder", type=click.Path(path_type=Path), default=None,
              help="The new assignment's folder. Default: ./assignments/NAME when the current "
                   "folder has an assignments/ folder, else ./NAME.")
@click.option("--title", default=None, help="The module's title (default: 'Módulo NAME').")
def new_cmd(name: str, folder: Path | None, title: str | None) -> None:
    """Scaffold a new assignment folder that builds, keys and grades at once (docs/authoring.md).

    Refuses to write into a folder that exists and is not empty."""
    from autograder.assignment import installed
    from autograder.scaffold import check_name, default_dir, scaffold

    target = folder if folder is not None else default_dir(name, Path("."))
    try:
        check_name(name)
        written = scaffold(name, target, title)
    except AutograderError as exc:
        _fail(exc)
    shown = str(target) if target.is_absolute() or str(target).startswith(".") else f"./{target}"
    click.echo(f"created the assignment {name!r} in {shown} ({len(written)} files):")
    for path in written:
        click.echo(f"  {path.relative_to(target).as_posix()}")
    if name in installed():
        click.secho(f"note: an installed assignment is also named {name!r}; `--assignment {name}` "
                    f"means that one: pass this folder's path.", fg="yellow", err=True)
    key = f"{shown}/keys/smoke/key.json"
    click.echo("\nnext (it works as it is; then replace the example exercises with yours):")
    click.echo(f"  autograder assignment build --assignment {shown}")
    click.echo(f"  autograder key build --assignment {shown} --profile smoke")
    click.echo(f"  autograder assignment notebooks --assignment {shown} --profile smoke --out build/smoke")
    click.echo(f"  autograder grade build/smoke/solution.ipynb --assignment {shown} --key {key}")
    click.echo(f"what to edit first: {shown}/README.md; the whole guide: docs/authoring.md of dl-autograder.")


# ---- the gradebook and regrading (autograder.gradebook) -------------------------------------------

_GRADEBOOK_HELP = "The gradebook: a SQLite file or a postgresql:// URL (or $AUTOGRADER_GRADEBOOK)."


def _gradebook_fail(exc: Exception, location: str | None = None) -> NoReturn:
    from autograder.gradebook import GradebookError, NotFound, store

    if isinstance(exc, AutograderError):
        _fail(exc)
    if isinstance(exc, NotFound):  # no such student, attempt or override: exit 11 (README)
        _fail(GradebookError(str(exc), where=store.describe(location) if location else "",
                             fix="check the id: `autograder gradebook show` lists the students and "
                                 "their latest attempts, `autograder gradebook history STUDENT` their "
                                 "attempts and overrides."))
    raise click.UsageError(str(exc)) from exc


@main.command("regrade")
@click.argument("path", type=click.Path(exists=True, path_type=Path), required=False)
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Output folder: results/, reports/, logs/, summary.json (as grade-batch).")
@click.option("--gradebook", default=None, metavar="PATH|URL", envvar="AUTOGRADER_GRADEBOOK",
              help=_GRADEBOOK_HELP + " Default: OUT/gradebook.sqlite.")
@click.option("--assignment", default=None,
              help=_ASSIGNMENT_HELP + " Default: the one the key names, or the only installed one.")
@click.option("--key", "key_path", type=click.Path(path_type=Path), default=None,
              help="The answer key (default: the assignment's committed full key).")
@click.option("--workers", type=int, default=None)
@click.option("--backend", type=click.Choice(["auto", "bubblewrap", "none"]), default="auto",
              show_default=True)
@click.option("--mode", type=click.Choice(["full", "fast"]), default="full", show_default=True)
@click.option("--scheduler", default=None, metavar="ADDRESS", help="Grade on this Dask scheduler.")
@click.option("--cluster", default=None, metavar="local:N", help="Grade on a Dask LocalCluster.")
@click.option("--max-tries", type=int, default=3, show_default=True)
@click.option("--lang", type=click.Choice(["pt", "en"]), default=None)
@click.option("--reveal", type=click.Choice(["never", "after_due", "always"]), default="never",
              show_default=True)
@click.option("--due", default=None)
@click.option("--no-reports", is_flag=True, help="Grade only; render no report.")
def regrade_cmd(path: Path | None, out: Path, gradebook: str | None, assignment: str | None,
                key_path: Path | None, workers: int | None, backend: str, mode: str, scheduler: str | None,
                cluster: str | None, max_tries: int, lang: str | None, reveal: str, due: str | None,
                no_reports: bool) -> None:
    """Grade only what changed since the gradebook last graded (a new submission, key or grader
    version) and re-render only the reports that changed (new grade, override or templates).

    PATH: a new LMS download (late submissions, resubmissions); the students it lacks are
    regraded from the notebooks the gradebook holds. Every attempt stays in the history."""
    from autograder.api import GradeOptions
    from autograder.gradebook.cli import cli_regrade

    a = _batch_assignment(assignment, key_path, scheduler, cluster)
    out.mkdir(parents=True, exist_ok=True)
    options = GradeOptions(backend=backend, mode=mode, cache_dir=out / "cache" if mode == "fast" else None)
    try:
        code = cli_regrade(path, key_path or a.key_path("full"), out,
                           gradebook=gradebook or str(out / "gradebook.sqlite"), assignment=a,
                           options=options, workers=workers, scheduler=scheduler, cluster=cluster,
                           max_tries=max_tries, reports=not no_reports, lang=lang or a.language,
                           reveal=reveal, due=due, echo=click.echo, warn=lambda m: click.echo(m, err=True))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    sys.exit(code)


@main.group("gradebook")
def gradebook_group() -> None:
    """The gradebook: latest grades, history, TA overrides and comments, import of a results folder."""


def _gb_option(f: Any) -> Any:
    return click.option("--gradebook", "location", required=True, metavar="PATH|URL",
                        envvar="AUTOGRADER_GRADEBOOK", help=_GRADEBOOK_HELP)(f)


def _gb_assignment_option(f: Any) -> Any:
    return click.option("--assignment", default=None,
                        help="The assignment's name (default: the only one in the gradebook).")(f)


@gradebook_group.command("show")
@_gb_option
@_gb_assignment_option
@click.option("--student", default=None, help="Only this student (LMS id).")
def gradebook_show(location: str, assignment: str | None, student: str | None) -> None:
    """The latest grade of every student, with overrides applied, and the attempt it comes from."""
    from autograder.gradebook import open_gradebook
    from autograder.gradebook.cli import grade_lines, which_assignment

    try:
        with open_gradebook(location, create=False) as gb:
            name = which_assignment(gb, assignment)
            grades = gb.latest(name, student)
            if student and not grades:
                gb.history(student, name)  # no such student: NotFound, exit 11 (README)
    except Exception as exc:
        _gradebook_fail(exc, location)
    click.echo(f"{name}: {len(grades)} student(s)")
    for line in grade_lines(grades):
        click.echo(line)


@gradebook_group.command("history")
@click.argument("student")
@_gb_option
@_gb_assignment_option
def gradebook_history(student: str, location: str, assignment: str | None) -> None:
    """Every submission, attempt, override (undone ones too) and comment of STUDENT."""
    from autograder.gradebook import open_gradebook
    from autograder.gradebook.cli import history_lines

    try:
        with open_gradebook(location, create=False) as gb:
            h = gb.history(student, assignment)
    except Exception as exc:
        _gradebook_fail(exc, location)
    for line in history_lines(h):
        click.echo(line)


@gradebook_group.command("override")
@click.argument("student")
@click.argument("target")
@click.argument("points", type=float)
@_gb_option
@_gb_assignment_option
@click.option("--who", required=True, help="Who decides (recorded).")
@click.option("--why", required=True, help="Why (recorded; shown in the student's report).")
@click.option("--attempt", "attempt_id", type=int, default=None,
              help="The attempt looked at (default: the student's latest grade).")
def gradebook_override(student: str, target: str, points: float, location: str, assignment: str | None,
                       who: str, why: str, attempt_id: int | None) -> None:
    """Give POINTS to TARGET (EXERCISE, or EXERCISE:CHECK) of STUDENT's submission.

    Exports, `gradebook show` and the reports regrade renders apply it; `gradebook undo` undoes it."""
    from autograder.gradebook import open_gradebook
    from autograder.gradebook.cli import parse_target, which_assignment

    try:
        exercise, check = parse_target(target)
        with open_gradebook(location, create=False) as gb:
            name = which_assignment(gb, assignment)
            o = gb.override(student, name, exercise, check, points, who=who, why=why, attempt_id=attempt_id)
            grade = gb.latest(name, student)
    except Exception as exc:
        _gradebook_fail(exc, location)
    click.echo(f"override #{o.id}: {student} {o.target} = {o.points:g} points (by {o.who}: {o.why})")
    if grade:
        click.echo(grade[0].describe())


@gradebook_group.command("undo")
@click.argument("override_id", type=int)
@_gb_option
@click.option("--who", required=True, help="Who undoes it (recorded).")
@click.option("--why", default="", help="Why (recorded).")
def gradebook_undo(override_id: int, location: str, who: str, why: str) -> None:
    """Undo override OVERRIDE_ID (it stays in the history, marked undone)."""
    from autograder.gradebook import open_gradebook

    try:
        with open_gradebook(location, create=False) as gb:
            o = gb.undo(override_id, who=who, why=why)
    except Exception as exc:
        _gradebook_fail(exc, location)
    click.echo(f"override #{o.id} ({o.target} = {o.points:g}) undone by {o.undone_by}")


@gradebook_group.command("comment")
@click.argument("student")
@click.argument("text")
@_gb_option
@_gb_assignment_option
@click.option("--who", required=True)
@click.option("--exercise", default=None, help="The exercise it is about (optional).")
def gradebook_comment(student: str, text: str, location: str, assignment: str | None, who: str,
                      exercise: str | None) -> None:
    """Record a TA's comment on STUDENT's latest graded submission."""
    from autograder.gradebook import open_gradebook
    from autograder.gradebook.cli import which_assignment

    try:
        with open_gradebook(location, create=False) as gb:
            c = gb.comment(student, which_assignment(gb, assignment), text, who=who, exercise=exercise)
    except Exception as exc:
        _gradebook_fail(exc, location)
    click.echo(f"comment #{c.id} recorded")


@gradebook_group.command("import")
@click.argument("results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--gradebook", "location", default=None, metavar="PATH|URL", envvar="AUTOGRADER_GRADEBOOK",
              help=_GRADEBOOK_HELP + " Default: RESULTS_DIR/../gradebook.sqlite.")
def gradebook_import(results_dir: Path, location: str | None) -> None:
    """Record every result JSON of RESULTS_DIR (rebuilds a gradebook; already recorded ones are kept once)."""
    from autograder.gradebook import open_gradebook

    location = location or str(results_dir.resolve().parent / "gradebook.sqlite")
    try:
        with open_gradebook(location) as gb:
            done = gb.import_results(results_dir)
    except Exception as exc:
        _gradebook_fail(exc, location)
    click.echo(f"{done.recorded} attempt(s) recorded, {done.already} already there, "
               f"{len(done.skipped)} file(s) skipped ({location})")
    for line in done.skipped:
        click.echo(f"  skipped {line}", err=True)
    sys.exit(1 if done.skipped else 0)


@main.command("review")
@click.option("--gradebook", "location", required=True, metavar="PATH|URL",
              help="The gradebook to review (grade-batch's OUT/gradebook.sqlite, or postgresql://...).")
@click.option("--assignment", default=None,
              help=_ASSIGNMENT_HELP + " Default: the only one in the gradebook.")
@click.option("--key", "key_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The key a regrade uses (default: the committed key each attempt was graded with).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Where to listen. Anything but 127.0.0.1 lets other machines reach it "
                   "(tokens are still needed).")
@click.option("--port", type=int, default=8765, show_default=True, help="Taken: a free one is used.")
@click.option("--ta", "tas", multiple=True, metavar="NAME",
              help="A TA's name; each gets their own token and URL, and their name on what they change "
                   "(repeat for several; default: your user name).")
@click.option("--lang", type=click.Choice(["pt", "en"]), default=None,
              help="Language of the pages (default: the assignment's).")
@click.option("--backend", type=click.Choice(["auto", "bubblewrap", "none"]), default="auto",
              show_default=True, help="Sandbox of a regrade.")
def review_cmd(location: str, assignment: str | None, key_path: Path | None, host: str, port: int,
               tas: tuple[str, ...], lang: str | None, backend: str) -> None:
    """TA review in the browser: each submission beside its checks; override, comment, regrade.

    Prints one URL with a token per TA (as Jupyter does); every change goes into the gradebook
    with the TA's name and can be undone."""
    from autograder.review.server import cli_review

    try:
        sys.exit(cli_review(location, assignment=assignment, key_path=key_path, host=host, port=port, tas=tas,
                            lang=lang, backend=backend, echo=click.echo))
    except AutograderError as exc:
        _fail(exc)


if __name__ == "__main__":
    main()
