"""Command line: parses arguments and calls the Python API, nothing more."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from autograder.errors import AutograderError, SubmissionError


def _fail(exc: AutograderError) -> None:
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


def _summary_lines(result: object, lang: str) -> list[str]:
    from autograder.i18n import translate
    from autograder.results import GradeResult

    assert isinstance(result, GradeResult)
    lines = [f"{result.student.id}: {result.score:g} / {result.max_score:g}  ({result.status})"]
    for e in result.exercises:
        status = translate(f"status_{e.status}", lang)
        line = f"  {e.id:<6} {e.score:>5g} / {e.max_score:<4g} {status}"
        if e.error:
            line += f" — {e.error.ename}: {e.error.evalue[:80]}"
        lines.append(line)
    lines += [f"  ! {m}" for m in result.messages]
    lines += [f"  ! {w}" for w in result.key.get("warnings", [])]
    lines += [f"  ! {translate('limit_not_enforced', lang, what=w)}"
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
              help="Time budget per exercise = max(floor, factor × the key's reference time).")
@click.option("--time-floor", type=float, default=60.0, show_default=True)
@click.option("--memory-mb", type=int, default=4096, show_default=True)
def grade_cmd(submission: Path, assignment: str | None, key_path: Path | None, out: Path | None,
              student_id: str | None, lang: str | None, backend: str, time_factor: float, time_floor: float,
              memory_mb: int) -> None:
    """Grade one notebook: writes the result JSON and prints a summary.

    Exits 0 whenever grading ran, even if the student scored 0; non-zero only when grading
    itself failed (missing key or datasets, a key or notebook of another assignment) and 6 when
    the notebook cannot be read at all (the result, score 0, says why)."""
    from autograder.api import GradeOptions, grade
    from autograder.assignment import notebook_assignment
    from autograder.errors import AssignmentMismatch
    from autograder.fsutil import write_atomic
    from autograder.keymodel import key_sha256, load_key
    from autograder.progress import ExerciseProgress
    from autograder.results import Student

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
        for w in key.warnings_here():
            click.secho(f"WARNING: {w}", fg="yellow", err=True)
        options = GradeOptions(time_factor=time_factor, time_floor_s=time_floor, memory_mb=memory_mb,
                               backend=backend)
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
def grade_batch_cmd(path: Path, assignment: str | None, key_path: Path | None, out: Path,
                    workers: int | None, backend: str, mode: str, time_factor: float,
                    time_floor: float) -> None:
    """Grade a whole class: a folder or zip as Moodle, Canvas or Gradescope export it."""
    from autograder.api import GradeOptions
    from autograder.batch.runner import cli_grade_batch

    try:
        a = _resolve_assignment(assignment, key_path)
    except AutograderError as exc:
        _fail(exc)
    options = GradeOptions(backend=backend, time_factor=time_factor, time_floor_s=time_floor,
                           mode=mode, cache_dir=out / "cache" if mode == "fast" else None)
    sys.exit(cli_grade_batch(path, key_path or a.key_path("full"), out, workers, assignment=a,
                             options=options))


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
    from autograder.report import cli_report

    try:
        a = _resolve_assignment(assignment, key_path)
        sys.exit(cli_report(results_dir, key_path, out or results_dir.parent / "reports",
                            lang=lang or a.language,
                            reveal=reveal, due=due, assignment=a, echo=click.echo))
    except AutograderError as exc:
        _fail(exc)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


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
def export_cmd(target: str, results_dir: Path | None, assignment: str | None, out: Path,
               key_path: Path | None, lang: str | None, reveal: str, due: str | None, worksheet: Path | None,
               gradebook: Path | None, assignment_name: str | None, assignment_id: str | None,
               points_possible: float | None) -> None:
    """Export grades: Moodle worksheet + feedback zip, Canvas CSV, Gradescope, plain CSV."""
    from autograder.export import cli_export

    try:
        a = _resolve_assignment(assignment, key_path)
        if target == "gradescope-bundle" and key_path is None:
            key_path = a.key_path("full")
        sys.exit(cli_export(target, results_dir, out, key_path=key_path, lang=lang or a.language,
                            reveal=reveal,
                            due=due, worksheet=worksheet, gradebook=gradebook,
                            assignment_name=assignment_name, assignment_id=assignment_id,
                            points_possible=points_possible, assignment=a, echo=click.echo))
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


if __name__ == "__main__":
    main()
