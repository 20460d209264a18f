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


if __name__ == "__main__":
    main()
