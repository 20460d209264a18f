"""Command line: parses arguments and calls the Python API, nothing more.

It speaks one language (the operator's): ``--lang``, else ``$AUTOGRADER_LANG``, else the
assignment's language, else English. What students read (reports, exports) follows ``--lang``,
else the assignment's language. Every line comes from the catalogue (``autograder.messages.cli``).
"""

from __future__ import annotations

import os
import sys
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from autograder.errors import AutograderError, SubmissionError
from autograder.i18n import LANGUAGES, Echo, Msg, msg, translate


def _env_lang() -> tuple[str, str]:
    """``$AUTOGRADER_LANG`` as set (stripped, lowercase; ``""`` when unset) and the language code it
    names (``pt_BR.UTF-8`` -> ``pt``), not checked against ``LANGUAGES``."""
    env = os.environ.get("AUTOGRADER_LANG", "").strip().lower()
    return env, env.replace("-", "_").split("_")[0].split(".")[0]


def _lang(explicit: str | None, assignment: Any = None) -> str:
    """The operator's language: ``--lang``, ``$AUTOGRADER_LANG`` (``pt``, ``pt_BR.UTF-8``...), the
    assignment's, English."""
    if explicit:
        return explicit
    env, code = _env_lang()
    if env:
        if code not in LANGUAGES:
            raise click.UsageError(translate("cli_bad_lang_env", "en", value=env, known=", ".join(LANGUAGES)))
        return code
    language = getattr(assignment, "language", None)
    return language if language in LANGUAGES else "en"


def _say(lang: str, *, err: bool = False) -> Echo:
    """An ``Echo`` that prints each ``Msg`` in ``lang``."""
    return lambda m: click.echo(m.text(lang), err=err)


def _line(lang: str, m: Msg, *, err: bool = False) -> None:
    click.echo(m.text(lang), err=err)


def _usage(lang: str, message_id: str, **params: Any) -> click.UsageError:
    return click.UsageError(translate(message_id, lang, **params))


def _said_of(exc: Exception, lang: str) -> str:
    """The text of a usage mistake the library reports as an exception carrying a ``Msg``."""
    found = getattr(exc, "msg", None)
    return found.text(lang) if isinstance(found, Msg) else str(exc)


def _fail(exc: AutograderError, lang: str = "en") -> NoReturn:
    click.secho(translate("error_line", lang, message=exc.message(lang)), fg="red", err=True)
    sys.exit(exc.exit_code)


# ---- the help, in the operator's language ---------------------------------------------------------
# Every help text (a group's or a command's description, an option's help, and click's own `--help`
# and `--version`) is a catalogue `Msg` (autograder.messages.help), looked up when the help is shown,
# not at import. So the help follows `--lang` given on the same command line (`autograder grade
# --help --lang pt`, in either order), else $AUTOGRADER_LANG as it is when the help is shown (parsed
# by `_env_lang`, as `_lang` does; CliRunner's env= works too), else English; an unknown
# $AUTOGRADER_LANG gives English help instead of an error. Click reads `.help` while it formats, so
# the classes below put the chosen language's text there for the length of that call and the English
# back afterwards (what anything else reading `.help` sees). The command docstrings stay the
# developers' documentation. Click's own words (`Usage:`, `Options:`, `[default: ...]`, its usage
# errors) stay English.

_HELP_LANG = "autograder.help_lang"  # ctx.meta: the --lang given on the command line, when valid


def _help_lang(ctx: click.Context | None) -> str:
    """The language help is shown in: ``--lang`` on the command line, ``$AUTOGRADER_LANG``, English."""
    given = ctx.meta.get(_HELP_LANG) if ctx is not None else None
    if isinstance(given, str):
        return given
    code = _env_lang()[1]
    return code if code in LANGUAGES else "en"


def _english(text: Msg | str | None) -> str | None:
    return text.text("en") if isinstance(text, Msg) else text


class _Helped:
    """A click object whose help is a catalogue ``Msg`` (``help=msg("help_...")``): ``.help`` holds
    its English text, and the operator's language while click formats it."""

    help: str | None
    help_msg: Msg | None = None

    def _take_help(self, kwargs: dict[str, Any]) -> None:
        """Keep ``help=`` (a ``Msg``, else a docstring or None) and hand click its English text."""
        given = kwargs.get("help")
        self.help_msg = given if isinstance(given, Msg) else None
        kwargs["help"] = _english(given)

    @contextmanager
    def _help_in(self, ctx: click.Context | None) -> Iterator[None]:
        english = self.help
        if self.help_msg is not None:
            self.help = self.help_msg.text(_help_lang(ctx))
        try:
            yield
        finally:
            self.help = english


class _Option(_Helped, click.Option):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._take_help(kwargs)
        super().__init__(*args, **kwargs)

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        with self._help_in(ctx):
            return super().get_help_record(ctx)


class _Command(_Helped, click.Command):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._take_help(kwargs)  # a Msg, else the docstring
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Note the ``--lang`` of the command line first, for a ``--help`` before it (only then:
        other command lines are parsed once, by click)."""
        if "--help" in args and any(p.name == "lang" for p in self.params):
            try:
                opts = self.make_parser(ctx).parse_args(args=list(args))[0]
            except click.UsageError:  # said again, in full, by click's own parsing below
                opts = {}
            if opts.get("lang") in LANGUAGES:
                ctx.meta[_HELP_LANG] = opts["lang"]
        return super().parse_args(ctx, args)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = translate("help_option_help", _help_lang(ctx))
        return option

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with self._help_in(ctx):
            super().format_help_text(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        with self._help_in(click.get_current_context(silent=True)):
            return super().get_short_help_str(limit)


class _Group(_Command, click.Group):
    command_class = _Command
    group_class = type  # its subgroups are _Groups


_F = TypeVar("_F", bound=Callable[..., Any])


def _option(*param_decls: str, **attrs: Any) -> Callable[[_F], _F]:
    """``click.option`` whose ``help`` is a catalogue ``Msg``."""
    return click.option(*param_decls, cls=_Option, **attrs)


def _assignment_help(default: Msg) -> Msg:
    """``--assignment``'s help; ``default`` says which assignment it is by default."""
    return msg("help_assignment", default=default)


def _lang_option(f: _F) -> _F:
    return _option("--lang", type=click.Choice(LANGUAGES), default=None, help=msg("help_lang"))(f)


@click.group(cls=_Group, help=msg("help_main"))
@click.version_option(package_name="dl-autograder", cls=_Option, help=msg("help_option_version"))
def main() -> None:
    """Sandboxed auto-grader for Jupyter exercise sheets; each assignment is a plug-in folder."""


@main.group(help=msg("help_data"))
def data() -> None:
    """Datasets in the Keras cache (those the installed assignments declare)."""


@data.command("install", help=msg("help_data_install"))
@_option("--from", "source", type=click.Path(path_type=Path), help=msg("help_data_install_from"))
@_option("--assignment", default=None, help=_assignment_help(msg("help_default_every_installed")))
@_option("--dataset", "names", multiple=True, help=msg("help_data_dataset"))
@_lang_option
def data_install(source: Path | None, assignment: str | None, names: tuple[str, ...],
                 lang: str | None) -> None:
    """Copy (or download) the datasets into the Keras cache, verifying every sha256."""
    from autograder import data as ds

    said = _lang(lang)
    try:
        wanted = ds.resolve(assignment, names)
        source = source or ds.default_source()
        cache = (ds.install_from(source, wanted, log=_say(said)) if source
                 else ds.download(wanted))
    except AutograderError as exc:
        _fail(exc, said)
    _line(said, msg("cli_datasets_ready", cache=str(cache)))


@data.command("verify", help=msg("help_data_verify"))
@_option("--assignment", default=None, help=_assignment_help(msg("help_default_every_installed")))
@_option("--dataset", "names", multiple=True, help=msg("help_data_dataset"))
@_lang_option
def data_verify(assignment: str | None, names: tuple[str, ...], lang: str | None) -> None:
    """Check that the Keras cache holds verified copies of the datasets."""
    from autograder import data as ds

    said = _lang(lang)
    try:
        cache = ds.verify_cache(ds.resolve(assignment, names))
    except AutograderError as exc:
        _fail(exc, said)
    _line(said, msg("cli_datasets_verified", cache=str(cache)))


@main.group(help=msg("help_key"))
def key() -> None:
    """The answer key: build it from the reference solutions, or re-render its report."""


@key.command("build", help=msg("help_key_build"))
@_option("--profile", default="full", show_default=True, help=msg("help_key_build_profile"))
@_option("--assignment", default=None, help=_assignment_help(msg("help_default_only_installed")))
@_option("--out", type=click.Path(path_type=Path), default=None, help=msg("help_key_build_out"))
@_option("--exercise", "exercises", multiple=True, help=msg("help_key_build_exercise"))
@_option("--sheet-runs", type=int, default=None, help=msg("help_key_build_sheet_runs"))
@_lang_option
def key_build(profile: str, assignment: str | None, out: Path | None, exercises: tuple[str, ...],
              sheet_runs: int | None, lang: str | None) -> None:
    """Recompute the reference numbers here and write key.json and report.md."""
    from autograder.assignment import load_assignment
    from autograder.keybuild import build

    said = _lang(lang)
    try:
        a = load_assignment(assignment)
        said = _lang(lang, a)
        runs = ({e: sheet_runs for e in a.training_exercises} if sheet_runs is not None else None)
        build(a, profile, out, exercises=exercises or None, sheet_runs=runs, progress=_say(said))
    except AutograderError as exc:
        _fail(exc, said)


@key.command("report", help=msg("help_key_report"))
@click.argument("key_path", type=click.Path(path_type=Path))
@_option("--assignment", default=None, help=_assignment_help(msg("help_default_key_records")))
@_lang_option
def key_report(key_path: Path, assignment: str | None, lang: str | None) -> None:
    """Print the Markdown report of an existing key (written in the assignment's language)."""
    from autograder.assignment import check_same, installed, load_assignment
    from autograder.keybuild import render_report
    from autograder.keymodel import load_key

    said = _lang(lang)
    try:
        k = load_key(key_path)
        intro, a = "", None
        if assignment:
            a = load_assignment(assignment)
            check_same(a, k.assignment, "key", where=str(key_path))
            said = _lang(lang, a)
            intro = a.key_report_intro(said)
        elif k.assignment.get("name") in installed():
            a = load_assignment(k.assignment["name"])
            said = _lang(lang, a)
            intro = a.key_report_intro(said)
        click.echo(render_report(k, intro, said, messages=a.messages if a is not None else None), nl=False)
    except AutograderError as exc:
        _fail(exc, said)


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
                      cluster: str | None, lang: str | None) -> Any:
    """The assignment of a batch (``grade-batch``, ``regrade``); where it runs is one choice."""
    if scheduler and cluster:
        raise _usage(_lang(lang), "cli_scheduler_or_cluster")
    try:
        return _resolve_assignment(assignment, key_path)
    except AutograderError as exc:
        _fail(exc, _lang(lang))


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


@main.command("grade", help=msg("help_grade"))
@click.argument("submission", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_option("--assignment", default=None, help=_assignment_help(msg("help_default_notebook_names")))
@_option("--key", "key_path", type=click.Path(path_type=Path), default=None, help=msg("help_grade_key"))
@_option("--out", type=click.Path(path_type=Path), default=None, help=msg("help_grade_out"))
@_option("--student", "student_id", default=None, help=msg("help_grade_student"))
@_option("--lang", type=click.Choice(LANGUAGES), default=None, help=msg("help_grade_lang"))
@_option("--backend", type=click.Choice(["auto", "bubblewrap", "none"]), default="auto",
         show_default=True, help=msg("help_grade_backend"))
@_option("--time-factor", type=float, default=3.0, show_default=True, help=msg("help_grade_time_factor"))
@_option("--time-floor", type=float, default=60.0, show_default=True)
@_option("--memory-mb", type=int, default=4096, show_default=True)
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
    from autograder.i18n import render
    from autograder.keymodel import key_sha256, load_key
    from autograder.progress import ExerciseProgress
    from autograder.results import Student

    said = _lang(lang)
    if zipfile.is_zipfile(submission):  # a class, not a notebook: say which command grades it
        raise _usage(said, "cli_zip_use_batch", path=str(submission))
    try:
        raw = submission.read_bytes()
        a = _resolve_assignment(assignment, key_path, raw=raw)
        said = _lang(lang, a)
        named = notebook_assignment(raw)
        if named and named != a.name:
            raise AssignmentMismatch(msg("cli_notebook_of_other_assignment", named=named, assignment=a.name),
                                     where=str(submission),
                                     fix=msg("cli_notebook_of_other_assignment_fix", named=named))
        key_path = key_path or a.key_path("full")
        key = load_key(key_path)
        check_same(a, key.assignment, "answer key", where=str(key_path))  # before any warning about it
        for kind, params in compatibility_issues(key.environment, current()):
            click.secho(translate("cli_warning", said, text=translate(f"key_env_{kind}", said, **params)),
                        fg="yellow", err=True)
        if mismatch := profile_mismatch(raw, key):
            click.secho(render(mismatch, said), fg="yellow", bold=True, err=True)
        options = GradeOptions(time_factor=time_factor, time_floor_s=time_floor, memory_mb=memory_mb,
                               backend=backend, key_runs_dir=Path(key_path).parent / "runs")
        student = Student(id=student_id or submission.stem, source="command line")
        with ExerciseProgress(a.contract, said) as progress:
            result = grade(submission, key, a, key_sha256=key_sha256(key_path), options=options,
                           student=student, progress=progress.update)
    except AutograderError as exc:
        _fail(exc, said)
    out = out or submission.with_name(submission.name + ".result.json")
    write_atomic(out, result.to_json())
    click.echo("\n".join(_summary_lines(result, said)))
    _line(said, msg("cli_result_written", path=str(out)))
    if result.status == "invalid_submission":  # the result says why; the exit code says it too
        sys.exit(SubmissionError.exit_code)


@main.command("grade-batch", help=msg("help_grade_batch"))
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@_option("--assignment", default=None, help=_assignment_help(msg("help_default_key_names")))
@_option("--key", "key_path", type=click.Path(path_type=Path), default=None, help=msg("help_key_committed"))
@_option("--out", type=click.Path(path_type=Path), required=True, help=msg("help_grade_batch_out"))
@_option("--workers", type=int, default=None, help=msg("help_grade_batch_workers"))
@_option("--backend", type=click.Choice(["auto", "bubblewrap", "none"]), default="auto",
         show_default=True)
@_option("--mode", type=click.Choice(["full", "fast"]), default="full", show_default=True,
         help=msg("help_grade_batch_mode"))
@_option("--time-factor", type=float, default=3.0, show_default=True)
@_option("--time-floor", type=float, default=60.0, show_default=True)
@_option("--audit-share", type=click.FloatRange(0, 1), default=0.1, show_default=True,
         help=msg("help_grade_batch_audit_share"))
@_option("--scheduler", default=None, metavar="ADDRESS", help=msg("help_grade_batch_scheduler"))
@_option("--cluster", default=None, metavar="local:N", help=msg("help_grade_batch_cluster"))
@_option("--max-tries", type=int, default=3, show_default=True, help=msg("help_grade_batch_max_tries"))
@_option("--gradebook", default=None, metavar="PATH|URL", help=msg("help_grade_batch_gradebook"))
@_option("--no-gradebook", is_flag=True, help=msg("help_grade_batch_no_gradebook"))
@_option("--due", default=None, help=msg("help_grade_batch_due"))
@_option("--worksheet", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
         help=msg("help_grade_batch_worksheet"))
@_lang_option
def grade_batch_cmd(path: Path, assignment: str | None, key_path: Path | None, out: Path,
                    workers: int | None, backend: str, mode: str, time_factor: float,
                    time_floor: float, scheduler: str | None, cluster: str | None, max_tries: int,
                    gradebook: str | None, no_gradebook: bool, due: str | None = None,
                    worksheet: Path | None = None, audit_share: float = 0.1, lang: str | None = None) -> None:
    """Grade a whole class: a folder or zip as Moodle, Canvas or Gradescope export it."""
    from autograder.api import GradeOptions
    from autograder.batch.runner import cli_grade_batch

    a = _batch_assignment(assignment, key_path, scheduler, cluster, lang)
    said = _lang(lang, a)
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
                               max_tries=max_tries, lang=said)
    except ValueError as exc:  # --cluster not local:N
        raise click.UsageError(_said_of(exc, said)) from exc
    sys.exit(code)


@main.command("report", help=msg("help_report"))
@click.argument("results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_option("--assignment", default=None, help=_assignment_help(msg("help_default_key_names")))
@_option("--key", "key_path", type=click.Path(path_type=Path), default=None, help=msg("help_report_key"))
@_option("--out", type=click.Path(path_type=Path), default=None, help=msg("help_report_out"))
@_option("--lang", type=click.Choice(LANGUAGES), default=None, help=msg("help_lang_reports"))
@_option("--reveal", type=click.Choice(["never", "after_due", "always"]), default="never",
         show_default=True, help=msg("help_report_reveal"))
@_option("--due", default=None, help=msg("help_report_due"))
def report_cmd(results_dir: Path, assignment: str | None, key_path: Path | None, out: Path | None,
               lang: str | None, reveal: str, due: str | None) -> None:
    """Re-render student reports and the class summary from existing results (no regrading)."""
    from autograder.report import CORRUPT_RESULT_EXIT, cli_report

    said = _lang(lang)
    try:
        a = _resolve_assignment(assignment, key_path)
        said = _lang(lang, a)
        code = cli_report(results_dir, key_path, out or results_dir.parent / "reports",
                          lang=lang or a.language, reveal=reveal, due=due, assignment=a, echo=_say(said))
    except AutograderError as exc:
        _fail(exc, said)
    except ValueError as exc:
        raise click.UsageError(_said_of(exc, said)) from exc
    if code == CORRUPT_RESULT_EXIT:
        _line(said, msg("error_where", where=str(results_dir)), err=True)
        _line(said, msg("error_fix", fix=msg("cli_report_corrupt_fix")), err=True)
    sys.exit(code)


@main.command("export", help=msg("help_export"))
@click.argument("target", type=click.Choice(["csv", "moodle", "canvas", "gradescope", "gradescope-bundle"]))
@click.argument("results_dir", type=click.Path(path_type=Path), required=False)
@_option("--assignment", default=None, help=_assignment_help(msg("help_default_key_names")))
@_option("--out", type=click.Path(path_type=Path), required=True)
@_option("--key", "key_path", type=click.Path(path_type=Path), default=None)
@_option("--lang", type=click.Choice(LANGUAGES), default=None, help=msg("help_export_lang"))
@_option("--reveal", type=click.Choice(["never", "after_due", "always"]), default="never",
         show_default=True)
@_option("--due", default=None)
@_option("--worksheet", type=click.Path(exists=True, path_type=Path), default=None,
         help=msg("help_export_worksheet"))
@_option("--gradebook", type=click.Path(exists=True, path_type=Path), default=None,
         help=msg("help_export_gradebook"))
@_option("--assignment-name", default=None)
@_option("--assignment-id", default=None)
@_option("--points-possible", type=float, default=None)
@_option("--from-gradebook", default=None, metavar="PATH|URL", help=msg("help_export_from_gradebook"))
@_option("--with-datasets", is_flag=True, help=msg("help_export_with_datasets"))
def export_cmd(target: str, results_dir: Path | None, assignment: str | None, out: Path,
               key_path: Path | None, lang: str | None, reveal: str, due: str | None, worksheet: Path | None,
               gradebook: Path | None, assignment_name: str | None, assignment_id: str | None,
               points_possible: float | None, from_gradebook: str | None, with_datasets: bool) -> None:
    """Export grades: Moodle worksheet + feedback zip, Canvas CSV, Gradescope, plain CSV."""
    from autograder.data import keras_cache_dir
    from autograder.export import cli_export

    said = _lang(lang)
    if results_dir is not None and from_gradebook is not None:
        raise _usage(said, "cli_results_or_gradebook")
    try:
        a = _resolve_assignment(assignment, key_path)
        said = _lang(lang, a)
        if target == "gradescope-bundle" and key_path is None:
            key_path = a.key_path("full")
        sys.exit(cli_export(target, results_dir, out, key_path=key_path, lang=lang or a.language,
                            reveal=reveal,
                            due=due, worksheet=worksheet, gradebook=gradebook,
                            assignment_name=assignment_name, assignment_id=assignment_id,
                            points_possible=points_possible, assignment=a, echo=_say(said),
                            from_gradebook=from_gradebook,
                            datasets_dir=keras_cache_dir() if with_datasets else None))
    except AutograderError as exc:
        _fail(exc, said)
    except ValueError as exc:
        raise click.UsageError(_said_of(exc, said)) from exc


@main.command("example", help=msg("help_example"))
@_option("--assignment", default=None, help=_assignment_help(msg("help_default_example")))
@_option("--out", type=click.Path(path_type=Path), default=Path("example-output"), show_default=True)
@_option("--key", "key_path", type=click.Path(path_type=Path), default=None, help=msg("help_example_key"))
@_option("--workers", type=int, default=None)
@_lang_option
def example_cmd(assignment: str | None, out: Path, key_path: Path | None, workers: int | None,
                lang: str | None) -> None:
    """Grade the built-in example class offline: results, reports and LMS exports in one folder."""
    from autograder.example import default_example_assignment, run_example

    said = _lang(lang)
    try:
        a = default_example_assignment(assignment)
        said = _lang(lang, a)
        sys.exit(run_example(a, out, key_path, workers=workers, echo=_say(said), lang=said))
    except AutograderError as exc:
        _fail(exc, said)


@main.group("assignment", help=msg("help_assignment_group"))
def assignment_group() -> None:
    """Assignments: list them, write their notebooks, check the committed ones."""


@assignment_group.command("list", help=msg("help_assignment_list"))
@_lang_option
def assignment_list(lang: str | None) -> None:
    """The installed assignments (entry point group dl_autograder.assignments)."""
    from autograder.assignment import all_installed

    said = _lang(lang)
    try:
        for a in all_installed():
            click.echo(f"{a.name:20} {a.version:8} {a.title}  ({a.root})")
    except AutograderError as exc:
        _fail(exc, said)


@assignment_group.command("notebooks", help=msg("help_assignment_notebooks"))
@_option("--assignment", default=None, help=_assignment_help(msg("help_default_only_installed")))
@_option("--profile", default="full", show_default=True)
@_option("--out", type=click.Path(path_type=Path), required=True)
@_lang_option
def assignment_notebooks(assignment: str | None, profile: str, out: Path, lang: str | None) -> None:
    """Write the student and solution notebooks of a profile into OUT."""
    from autograder.assignment import load_assignment
    from autograder.authoring import write_all

    said = _lang(lang)
    try:
        a = load_assignment(assignment)
        said = _lang(lang, a)
        for path in write_all(a, out, profile).values():
            _line(said, msg("cli_wrote", path=str(path)))
    except AutograderError as exc:
        _fail(exc, said)


@assignment_group.command("build", help=msg("help_assignment_build"))
@_option("--assignment", default=None, help=_assignment_help(msg("help_default_every_installed")))
@_option("--check", is_flag=True, help=msg("help_assignment_build_check"))
@_lang_option
def assignment_build(assignment: str | None, check: bool, lang: str | None) -> None:
    """Regenerate the committed notebooks (generated/, full profile) from source.md."""
    from autograder.assignment import all_installed, installed, load_assignment
    from autograder.authoring import stale_generated, write_all

    said = _lang(lang)
    try:
        chosen = (load_assignment(assignment),) if assignment else all_installed()
        stale_any = False
        for a in chosen:
            said = _lang(lang, a)
            if check:
                stale = stale_generated(a)
                for path in stale:
                    _line(said, msg("cli_out_of_date", path=str(path)), err=True)
                if stale:
                    spec = a.name if a.name in installed() else str(a.root)
                    _line(said, msg("cli_out_of_date_fix", spec=spec), err=True)
                else:
                    _line(said, msg("cli_up_to_date", assignment=a.name))
                stale_any |= bool(stale)
                continue
            for kind, path in write_all(a, a.generated_dir, "full").items():
                _line(said, msg("cli_wrote_kind", kind=kind, path=str(path)))
    except AutograderError as exc:
        _fail(exc, said)
    sys.exit(1 if stale_any else 0)


@assignment_group.command("otter", help=msg("help_assignment_otter"))
@_option("--assignment", default=None, help=_assignment_help(msg("help_default_only_installed")))
@_option("--profile", default="full", show_default=True)
@_option("--key", "key_path", type=click.Path(path_type=Path), default=None,
         help=msg("help_assignment_otter_key"))
@_option("--out", type=click.Path(path_type=Path), required=True)
@_lang_option
def assignment_otter(assignment: str | None, profile: str, key_path: Path | None, out: Path,
                     lang: str | None) -> None:
    """Write an otter-grader master notebook (then run `otter assign` on it)."""
    from autograder.assignment import load_assignment
    from autograder.export.otter import write_master

    said = _lang(lang)
    try:
        a = load_assignment(assignment)
        said = _lang(lang, a)
        written = write_master(a, out, a.profile(profile), key_path or a.key_path(profile))
        _line(said, msg("cli_wrote", path=str(written)))
    except AutograderError as exc:
        _fail(exc, said)


@main.command("new", help=msg("help_new"))
@click.argument("name")
@_option("--dir", "folder", type=click.Path(path_type=Path), default=None, help=msg("help_new_dir"))
@_option("--title", default=None, help=msg("help_new_title"))
@_lang_option
def new_cmd(name: str, folder: Path | None, title: str | None, lang: str | None) -> None:
    """Scaffold a new assignment folder that builds, keys and grades at once (docs/authoring.md).

    Refuses to write into a folder that exists and is not empty."""
    from autograder.assignment import installed
    from autograder.scaffold import check_name, default_dir, scaffold

    said = _lang(lang)
    target = folder if folder is not None else default_dir(name, Path("."))
    try:
        check_name(name)
        written = scaffold(name, target, title)
    except AutograderError as exc:
        _fail(exc, said)
    shown = str(target) if target.is_absolute() or str(target).startswith(".") else f"./{target}"
    _line(said, msg("cli_new_created", name=name, folder=shown, count=len(written)))
    for path in written:
        click.echo(f"  {path.relative_to(target).as_posix()}")
    if name in installed():
        click.secho(translate("cli_new_name_taken", said, name=name), fg="yellow", err=True)
    key = f"{shown}/keys/smoke/key.json"
    _line(said, msg("cli_new_next"))
    click.echo(f"  autograder assignment build --assignment {shown}")
    click.echo(f"  autograder key build --assignment {shown} --profile smoke")
    click.echo(f"  autograder assignment notebooks --assignment {shown} --profile smoke --out build/smoke")
    click.echo(f"  autograder grade build/smoke/solution.ipynb --assignment {shown} --key {key}")
    _line(said, msg("cli_new_edit_first", folder=shown))


# ---- the gradebook and regrading (autograder.gradebook) -------------------------------------------

def _gradebook_fail(exc: Exception, lang: str, location: str | None = None) -> NoReturn:
    from autograder.gradebook import GradebookError, NotFound, store

    if isinstance(exc, AutograderError):
        _fail(exc, lang)
    if isinstance(exc, NotFound):  # no such student, attempt or override: exit 11 (README)
        _fail(GradebookError(exc.msg, where=store.describe(location) if location else "",
                             fix=msg("cli_gradebook_not_found_fix")), lang)
    raise click.UsageError(_said_of(exc, lang)) from exc


@main.command("regrade", help=msg("help_regrade"))
@click.argument("path", type=click.Path(exists=True, path_type=Path), required=False)
@_option("--out", type=click.Path(path_type=Path), required=True, help=msg("help_regrade_out"))
@_option("--gradebook", default=None, metavar="PATH|URL", envvar="AUTOGRADER_GRADEBOOK",
         help=msg("help_gradebook_default", default="OUT/gradebook.sqlite"))
@_option("--assignment", default=None, help=_assignment_help(msg("help_default_key_names")))
@_option("--key", "key_path", type=click.Path(path_type=Path), default=None, help=msg("help_key_committed"))
@_option("--workers", type=int, default=None)
@_option("--backend", type=click.Choice(["auto", "bubblewrap", "none"]), default="auto",
         show_default=True)
@_option("--mode", type=click.Choice(["full", "fast"]), default="full", show_default=True)
@_option("--scheduler", default=None, metavar="ADDRESS", help=msg("help_regrade_scheduler"))
@_option("--cluster", default=None, metavar="local:N", help=msg("help_regrade_cluster"))
@_option("--max-tries", type=int, default=3, show_default=True)
@_option("--lang", type=click.Choice(LANGUAGES), default=None, help=msg("help_lang_reports"))
@_option("--reveal", type=click.Choice(["never", "after_due", "always"]), default="never",
         show_default=True)
@_option("--due", default=None)
@_option("--no-reports", is_flag=True, help=msg("help_regrade_no_reports"))
def regrade_cmd(path: Path | None, out: Path, gradebook: str | None, assignment: str | None,
                key_path: Path | None, workers: int | None, backend: str, mode: str, scheduler: str | None,
                cluster: str | None, max_tries: int, lang: str | None, reveal: str, due: str | None,
                no_reports: bool) -> None:
    """Grade only what changed since the gradebook last graded (a new submission, key or grader
    version) and re-render only the reports that changed (new grade, override or templates).

    PATH: a new LMS download (late submissions, resubmissions); the students it lacks are
    regraded from the notebooks the gradebook holds. Every attempt stays in the history."""
    from autograder.api import GradeOptions
    from autograder.batch.progress import TerminalProgress
    from autograder.gradebook.cli import cli_regrade

    a = _batch_assignment(assignment, key_path, scheduler, cluster, lang)
    said = _lang(lang, a)
    out.mkdir(parents=True, exist_ok=True)
    options = GradeOptions(backend=backend, mode=mode, cache_dir=out / "cache" if mode == "fast" else None)
    try:
        code = cli_regrade(path, key_path or a.key_path("full"), out,
                           gradebook=gradebook or str(out / "gradebook.sqlite"), assignment=a,
                           options=options, workers=workers, scheduler=scheduler, cluster=cluster,
                           max_tries=max_tries, reports=not no_reports, lang=lang or a.language,
                           reveal=reveal, due=due, echo=_say(said), warn=_say(said, err=True),
                           progress=TerminalProgress(sys.stderr, lang=said))
    except ValueError as exc:
        raise click.UsageError(_said_of(exc, said)) from exc
    sys.exit(code)


@main.group("gradebook", help=msg("help_gradebook_group"))
def gradebook_group() -> None:
    """The gradebook: latest grades, history, TA overrides and comments, import of a results folder."""


def _gb_option(f: Any) -> Any:
    """``--gradebook`` (required) and ``--lang``."""
    return _lang_option(_option("--gradebook", "location", required=True, metavar="PATH|URL",
                                     envvar="AUTOGRADER_GRADEBOOK", help=msg("help_gradebook"))(f))


def _gb_assignment_option(f: Any) -> Any:
    return _option("--assignment", default=None,
                        help=msg("help_gradebook_assignment"))(f)


@gradebook_group.command("show", help=msg("help_gradebook_show"))
@_gb_option
@_gb_assignment_option
@_option("--student", default=None, help=msg("help_gradebook_show_student"))
def gradebook_show(location: str, assignment: str | None, student: str | None, lang: str | None) -> None:
    """The latest grade of every student, with overrides applied, and the attempt it comes from."""
    from autograder.gradebook import open_gradebook
    from autograder.gradebook.cli import grade_lines, which_assignment

    said = _lang(lang)
    try:
        with open_gradebook(location, create=False) as gb:
            name = which_assignment(gb, assignment)
            grades = gb.latest(name, student)
            if student and not grades:
                gb.history(student, name)  # no such student: NotFound, exit 11 (README)
    except Exception as exc:
        _gradebook_fail(exc, said, location)
    _line(said, msg("cli_gradebook_students", assignment=name, count=len(grades)))
    for line in grade_lines(grades):
        _line(said, line)


@gradebook_group.command("history", help=msg("help_gradebook_history"))
@click.argument("student")
@_gb_option
@_gb_assignment_option
def gradebook_history(student: str, location: str, assignment: str | None, lang: str | None) -> None:
    """Every submission, attempt, override (undone ones too) and comment of STUDENT."""
    from autograder.gradebook import open_gradebook
    from autograder.gradebook.cli import history_lines

    said = _lang(lang)
    try:
        with open_gradebook(location, create=False) as gb:
            h = gb.history(student, assignment)
    except Exception as exc:
        _gradebook_fail(exc, said, location)
    for line in history_lines(h):
        _line(said, line)


@gradebook_group.command("override", help=msg("help_gradebook_override"))
@click.argument("student")
@click.argument("target")
@click.argument("points", type=float)
@_gb_option
@_gb_assignment_option
@_option("--who", required=True, help=msg("help_gradebook_override_who"))
@_option("--why", required=True, help=msg("help_gradebook_override_why"))
@_option("--attempt", "attempt_id", type=int, default=None, help=msg("help_gradebook_override_attempt"))
def gradebook_override(student: str, target: str, points: float, location: str, assignment: str | None,
                       who: str, why: str, attempt_id: int | None, lang: str | None) -> None:
    """Give POINTS to TARGET (EXERCISE, or EXERCISE:CHECK) of STUDENT's submission.

    Exports, `gradebook show` and the reports regrade renders apply it; `gradebook undo` undoes it."""
    from autograder.gradebook import open_gradebook
    from autograder.gradebook.cli import parse_target, which_assignment

    said = _lang(lang)
    try:
        exercise, check = parse_target(target)
        with open_gradebook(location, create=False) as gb:
            name = which_assignment(gb, assignment)
            o = gb.override(student, name, exercise, check, points, who=who, why=why, attempt_id=attempt_id)
            grade = gb.latest(name, student)
    except Exception as exc:
        _gradebook_fail(exc, said, location)
    _line(said, msg("cli_override_recorded", id=o.id, student=student, target=o.target,
                    points=f"{o.points:g}", who=o.who, why=o.why))
    if grade:
        _line(said, grade[0].describe())


@gradebook_group.command("undo", help=msg("help_gradebook_undo"))
@click.argument("override_id", type=int)
@_gb_option
@_option("--who", required=True, help=msg("help_gradebook_undo_who"))
@_option("--why", default="", help=msg("help_gradebook_undo_why"))
def gradebook_undo(override_id: int, location: str, who: str, why: str, lang: str | None) -> None:
    """Undo override OVERRIDE_ID (it stays in the history, marked undone)."""
    from autograder.gradebook import open_gradebook

    said = _lang(lang)
    try:
        with open_gradebook(location, create=False) as gb:
            o = gb.undo(override_id, who=who, why=why)
    except Exception as exc:
        _gradebook_fail(exc, said, location)
    _line(said, msg("cli_override_undone", id=o.id, target=o.target, points=f"{o.points:g}", who=o.undone_by))


@gradebook_group.command("comment", help=msg("help_gradebook_comment"))
@click.argument("student")
@click.argument("text")
@_gb_option
@_gb_assignment_option
@_option("--who", required=True)
@_option("--exercise", default=None, help=msg("help_gradebook_comment_exercise"))
def gradebook_comment(student: str, text: str, location: str, assignment: str | None, who: str,
                      exercise: str | None, lang: str | None) -> None:
    """Record a TA's comment on STUDENT's latest graded submission."""
    from autograder.gradebook import open_gradebook
    from autograder.gradebook.cli import which_assignment

    said = _lang(lang)
    try:
        with open_gradebook(location, create=False) as gb:
            c = gb.comment(student, which_assignment(gb, assignment), text, who=who, exercise=exercise)
    except Exception as exc:
        _gradebook_fail(exc, said, location)
    _line(said, msg("cli_comment_recorded", id=c.id))


@gradebook_group.command("import", help=msg("help_gradebook_import"))
@click.argument("results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_option("--gradebook", "location", default=None, metavar="PATH|URL", envvar="AUTOGRADER_GRADEBOOK",
         help=msg("help_gradebook_default", default="RESULTS_DIR/../gradebook.sqlite"))
@_lang_option
def gradebook_import(results_dir: Path, location: str | None, lang: str | None) -> None:
    """Record every result JSON of RESULTS_DIR (rebuilds a gradebook; already recorded ones are kept once)."""
    from autograder.gradebook import open_gradebook

    said = _lang(lang)
    location = location or str(results_dir.resolve().parent / "gradebook.sqlite")
    try:
        with open_gradebook(location) as gb:
            done = gb.import_results(results_dir)
    except Exception as exc:
        _gradebook_fail(exc, said, location)
    _line(said, msg("cli_import_counts", recorded=done.recorded, already=done.already,
                    skipped=len(done.skipped), location=location))
    for line in done.skipped:
        _line(said, msg("cli_import_skipped", line=line), err=True)
    sys.exit(1 if done.skipped else 0)


@main.command("review", help=msg("help_review"))
@_option("--gradebook", "location", required=True, metavar="PATH|URL", help=msg("help_review_gradebook"))
@_option("--assignment", default=None, help=_assignment_help(msg("help_default_gradebook_only")))
@_option("--key", "key_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
         help=msg("help_review_key"))
@_option("--host", default="127.0.0.1", show_default=True, help=msg("help_review_host"))
@_option("--port", type=int, default=8765, show_default=True, help=msg("help_review_port"))
@_option("--ta", "tas", multiple=True, metavar="NAME", help=msg("help_review_ta"))
@_option("--lang", type=click.Choice(LANGUAGES), default=None, help=msg("help_review_lang"))
@_option("--backend", type=click.Choice(["auto", "bubblewrap", "none"]), default="auto",
         show_default=True, help=msg("help_review_backend"))
def review_cmd(location: str, assignment: str | None, key_path: Path | None, host: str, port: int,
               tas: tuple[str, ...], lang: str | None, backend: str) -> None:
    """TA review in the browser: each submission beside its checks; override, comment, regrade.

    Prints one URL with a token per TA (as Jupyter does); every change goes into the gradebook
    with the TA's name and can be undone."""
    from autograder.review.server import cli_review

    said = _lang(lang)
    try:
        sys.exit(cli_review(location, assignment=assignment, key_path=key_path, host=host, port=port, tas=tas,
                            lang=lang, backend=backend, echo=_say(said)))
    except AutograderError as exc:
        _fail(exc, said)


if __name__ == "__main__":
    main()
