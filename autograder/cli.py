"""Command line: parses arguments and calls the Python API, nothing more."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from autograder.errors import AutograderError


def _fail(exc: AutograderError) -> None:
    click.secho(f"error: {exc.message()}", fg="red", err=True)
    sys.exit(exc.exit_code)


@click.group()
@click.version_option(package_name="dl-autograder")
def main() -> None:
    """Auto-grader for the 'CNN architectures and training deep networks' exercise sheet."""


@main.group()
def data() -> None:
    """Datasets in the Keras cache (Boston Housing, Fashion-MNIST)."""


@data.command("install")
@click.option("--from", "source", type=click.Path(path_type=Path),
              help="Folder with the Keras files (boston_housing.npz, fashion-mnist/*.gz). "
                   "Without it, Keras downloads them (needs internet). "
                   "Defaults to $AUTOGRADER_DATA when set.")
@click.option("--dataset", "names", multiple=True, help="Only these datasets (default: all).")
def data_install(source: Path | None, names: tuple[str, ...]) -> None:
    """Copy (or download) the datasets into the Keras cache, verifying every sha256."""
    from autograder import data as ds

    wanted = names or ds.DATASETS
    try:
        source = source or ds.default_source()
        cache = (ds.install_from(source, wanted, log=click.echo) if source
                 else ds.download(wanted))
    except AutograderError as exc:
        _fail(exc)
    click.echo(f"datasets ready in {cache}")


@data.command("verify")
@click.option("--dataset", "names", multiple=True, help="Only these datasets (default: all).")
def data_verify(names: tuple[str, ...]) -> None:
    """Check that the Keras cache holds verified copies of the datasets."""
    from autograder import data as ds

    try:
        cache = ds.verify_cache(names or ds.DATASETS)
    except AutograderError as exc:
        _fail(exc)
    click.echo(f"all dataset files verified in {cache}")


@main.group()
def key() -> None:
    """The answer key: build it from the reference solutions, or re-render its report."""


@key.command("build")
@click.option("--profile", type=click.Choice(["full", "smoke"]), default="full", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Build folder (default keys/<profile>). Finished runs there are reused.")
@click.option("--exercise", "exercises", type=int, multiple=True,
              help="Only these computed exercises (1, 3, 7, 8, 10).")
@click.option("--sheet-runs", type=int, default=None,
              help="Runs under the sheet's seeding per training exercise (default: full 5/5/2, smoke 2/2/1).")
def key_build(profile: str, out: Path | None, exercises: tuple[int, ...], sheet_runs: int | None) -> None:
    """Recompute the reference numbers here and write key.json and report.md."""
    from autograder.keybuild import build
    from reference.registry import COMPUTED

    out = out or Path("keys") / profile
    runs = {7: sheet_runs, 8: sheet_runs, 10: sheet_runs} if sheet_runs is not None else None
    try:
        build(profile, out, exercises=exercises or COMPUTED, sheet_runs=runs, progress=click.echo)
    except AutograderError as exc:
        _fail(exc)


@key.command("report")
@click.argument("key_path", type=click.Path(path_type=Path))
def key_report(key_path: Path) -> None:
    """Print the Markdown report of an existing key."""
    from autograder.keybuild import render_report
    from autograder.keymodel import load_key

    try:
        click.echo(render_report(load_key(key_path)))
    except AutograderError as exc:
        _fail(exc)


def _summary_lines(result: object, lang: str) -> list[str]:
    from autograder.i18n import translate
    from autograder.results import GradeResult

    assert isinstance(result, GradeResult)
    lines = [f"{result.student.id}: {result.score:g} / {result.max_score:g}  ({result.status})"]
    for e in result.exercises:
        status = translate(f"status_{e.status}", lang)
        line = f"  ex{e.number:<3} {e.score:>5g} / {e.max_score:<4g} {status}"
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
@click.option("--key", "key_path", type=click.Path(path_type=Path), default=Path("keys/full/key.json"),
              show_default=True, help="The answer key (key.json).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Where to write the result JSON (default: <submission>.result.json).")
@click.option("--student", "student_id", default=None, help="Student id (default: the file name).")
@click.option("--lang", type=click.Choice(["pt", "en"]), default="pt", show_default=True)
@click.option("--backend", type=click.Choice(["auto", "bubblewrap", "none"]), default="auto",
              show_default=True, help="Sandbox: bubblewrap, or none (no isolation; see README).")
@click.option("--time-factor", type=float, default=3.0, show_default=True,
              help="Time budget per exercise = max(floor, factor × the key's reference time).")
@click.option("--time-floor", type=float, default=60.0, show_default=True)
@click.option("--memory-mb", type=int, default=4096, show_default=True)
def grade_cmd(submission: Path, key_path: Path, out: Path | None, student_id: str | None, lang: str,
              backend: str, time_factor: float, time_floor: float, memory_mb: int) -> None:
    """Grade one notebook: writes the result JSON and prints a summary.

    Exits 0 whenever grading ran, even if the student scored 0; non-zero only when grading
    itself failed (missing key or datasets, broken sandbox)."""
    from autograder.api import GradeOptions, grade
    from autograder.fsutil import write_atomic
    from autograder.keymodel import key_sha256, load_key
    from autograder.results import Student

    try:
        key = load_key(key_path)
        for w in key.warnings_here():
            click.secho(f"WARNING: {w}", fg="yellow", err=True)
        options = GradeOptions(time_factor=time_factor, time_floor_s=time_floor, memory_mb=memory_mb,
                               backend=backend)
        student = Student(id=student_id or submission.stem, source="command line")
        result = grade(submission, key, key_sha256=key_sha256(key_path), options=options,
                       student=student)
    except AutograderError as exc:
        _fail(exc)
    out = out or submission.with_name(submission.name + ".result.json")
    write_atomic(out, result.to_json())
    click.echo("\n".join(_summary_lines(result, lang)))
    click.echo(f"result written to {out}")


@main.command("grade-batch")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--key", "key_path", type=click.Path(path_type=Path), default=Path("keys/full/key.json"),
              show_default=True)
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
def grade_batch_cmd(path: Path, key_path: Path, out: Path, workers: int | None, backend: str,
                    mode: str, time_factor: float, time_floor: float) -> None:
    """Grade a whole class: a folder or zip as Moodle, Canvas or Gradescope export it."""
    from autograder.api import GradeOptions
    from autograder.batch.runner import cli_grade_batch

    options = GradeOptions(backend=backend, time_factor=time_factor, time_floor_s=time_floor,
                           mode=mode, cache_dir=out / "cache" if mode == "fast" else None)
    sys.exit(cli_grade_batch(path, key_path, out, workers, options=options))


@main.command("report")
@click.argument("results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--key", "key_path", type=click.Path(path_type=Path), default=None,
              help="The key the results were graded with (for reference bands in plots).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: RESULTS_DIR/../reports).")
@click.option("--lang", type=click.Choice(["pt", "en"]), default="pt", show_default=True)
@click.option("--reveal", type=click.Choice(["never", "after_due", "always"]), default="never",
              show_default=True, help="When to show expected values and correct letters.")
@click.option("--due", default=None, help="Due date (ISO 8601), for --reveal after_due.")
def report_cmd(results_dir: Path, key_path: Path | None, out: Path | None, lang: str, reveal: str,
               due: str | None) -> None:
    """Re-render student reports and the class summary from existing results (no regrading)."""
    from autograder.report import cli_report

    try:
        sys.exit(cli_report(results_dir, key_path, out or results_dir.parent / "reports", lang=lang,
                            reveal=reveal, due=due, echo=click.echo))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


@main.command("export")
@click.argument("target", type=click.Choice(["csv", "moodle", "canvas", "gradescope", "gradescope-bundle"]))
@click.argument("results_dir", type=click.Path(path_type=Path), required=False)
@click.option("--out", type=click.Path(path_type=Path), required=True)
@click.option("--key", "key_path", type=click.Path(path_type=Path), default=None)
@click.option("--lang", type=click.Choice(["pt", "en"]), default="pt", show_default=True)
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
def export_cmd(target: str, results_dir: Path | None, out: Path, key_path: Path | None, lang: str,
               reveal: str, due: str | None, worksheet: Path | None, gradebook: Path | None,
               assignment_name: str | None, assignment_id: str | None,
               points_possible: float | None) -> None:
    """Export grades: Moodle worksheet + feedback zip, Canvas CSV, Gradescope, plain CSV."""
    from autograder.export import cli_export

    try:
        sys.exit(cli_export(target, results_dir, out, key_path=key_path, lang=lang, reveal=reveal,
                            due=due, worksheet=worksheet, gradebook=gradebook,
                            assignment_name=assignment_name, assignment_id=assignment_id,
                            points_possible=points_possible, echo=click.echo))
    except (ValueError, AutograderError) as exc:
        raise click.UsageError(str(exc)) from exc


@main.command("example")
@click.option("--out", type=click.Path(path_type=Path), default=Path("example-output"), show_default=True)
@click.option("--key", "key_path", type=click.Path(path_type=Path), default=Path("keys/smoke/key.json"),
              show_default=True, help="The smoke key keeps the example to a few minutes.")
@click.option("--workers", type=int, default=None)
def example_cmd(out: Path, key_path: Path, workers: int | None) -> None:
    """Grade the built-in example class offline: results, reports and LMS exports in one folder."""
    from autograder.example import run_example

    try:
        sys.exit(run_example(out, key_path, workers=workers, echo=click.echo))
    except AutograderError as exc:
        _fail(exc)


@main.command("assignment")
@click.option("--profile", type=click.Choice(["full", "smoke"]), default="full", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), required=True)
def assignment_cmd(profile: str, out: Path) -> None:
    """Write the student and solution notebooks for a profile."""
    from assignments.build import write_all
    from reference.profiles import get_profile

    for path in write_all(out, get_profile(profile)):
        click.echo(f"wrote {path}")


if __name__ == "__main__":
    main()
