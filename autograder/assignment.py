"""Assignments as plug-ins: the one interface between the engine and an exercise sheet.

The engine knows no exercise. Everything about one sheet lives in its folder::

    <folder>/
      __init__.py        a Python package; ``hooks`` = an object satisfying ``AssignmentHooks``
      assignment.toml    name, version, title, profiles, datasets, key runs, plots, fast mode
      contract.json      which names are read after which part, their types, the checks
      source.md          the one authored source of the notebooks (Portuguese in this course)
      answers.json       the official letters (and the values the sheet publishes)
      messages.json      the assignment's own sentences, ``{"pt": {id: text}, "en": {...}}``
      example.toml       the built-in example class (optional)
      key_report.md      the key report's introduction, pt (optional; key_report.en.md: en)
      reference/         reference solutions: functions returning plain data
      keys/<profile>/    the committed answer keys (``key.json``, ``report.md``, ``runs/``)
      generated/         the committed student and solution notebooks

An assignment is found by name through the ``dl_autograder.assignments`` entry-point group
(``[project.entry-points."dl_autograder.assignments"]`` in a ``pyproject.toml``) or by the path
of its folder. ``load_assignment`` reads the folder into a frozen ``Assignment``; the engine
passes that object down explicitly (there is no registry).

The code of an assignment talks to the engine only through ``autograder.sdk`` (public helpers)
and the data types named here.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import metadata
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from autograder.errors import AssignmentError
from autograder.fsutil import sha256_file
from autograder.i18n import Msg, msg

if TYPE_CHECKING:
    from autograder.authoring import Module
    from autograder.contract import Contract
    from autograder.keymodel import Drift, Quantity
    from autograder.late import LatePolicy

ENTRY_POINT_GROUP = "dl_autograder.assignments"
MANIFEST = "assignment.toml"

Extracted = Mapping[str, Mapping[str, Any]]  # part id -> name -> plain value read by the probe
Progress = Callable[[str], None]


def _freeze(value: Any) -> Any:
    """TOML lists become tuples, so profile settings render as the authored source expects."""
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Profile:
    """A named set of run settings (``full``: the sheet's; ``smoke``: the same code on less work).

    Settings are read as ``profile.<setting>`` (in the authored source's templates and in
    reference code) or ``profile["<setting>"]``.
    """

    name: str
    settings: Mapping[str, Any]

    def __getattr__(self, item: str) -> Any:
        if item.startswith("__") or item in ("name", "settings"):
            raise AttributeError(item)
        try:
            return self.settings[item]
        except KeyError:
            raise AttributeError(f"profile {self.name!r} has no setting {item!r}") from None

    def __getitem__(self, item: str) -> Any:
        return self.settings[item]

    def replace(self, **changes: Any) -> Profile:
        """A copy with some settings changed (fast mode replays fewer epochs)."""
        unknown = set(changes) - set(self.settings)
        if unknown:
            raise KeyError(f"profile {self.name!r} has no setting(s) {sorted(unknown)}")
        return Profile(self.name, MappingProxyType({**self.settings, **changes}))

    def to_dict(self) -> dict[str, Any]:
        """``{"name": ..., setting: value}``, lists for tuples (as recorded in keys and notebooks)."""
        return {"name": self.name, **{k: _thaw(v) for k, v in self.settings.items()}}


@dataclass(frozen=True)
class DatasetFile:
    """One file the assignment's code reads from the Keras cache, relative to ``datasets/``."""

    dataset: str
    relpath: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Dataset:
    """A dataset: its files and the module whose ``load_data()`` downloads it (optional)."""

    name: str
    files: tuple[DatasetFile, ...]
    loader: str = ""  # a module whose load_data() downloads it (e.g. under keras.datasets); "" if none


@dataclass(frozen=True)
class RunSpec:
    """One reference run the key builder executes in a fresh process."""

    exercise: str  # contract exercise id
    seeding: str  # "deterministic" | "sheet" (seeded as the sheet says: the honest spread)
    index: int

    @property
    def name(self) -> str:
        return f"{self.exercise}-{self.seeding}-{self.index}"


@dataclass(frozen=True)
class Run:
    """A finished reference run: its spec and the plain data it returned."""

    exercise: str
    seeding: str
    index: int
    data: Mapping[str, Any]


@dataclass(frozen=True)
class KeyParts:
    """What an assignment contributes to its answer key (the engine adds the rest)."""

    quantities: tuple[Quantity, ...]
    drift: Mapping[str, Drift]  # exercise id -> does the official letter still hold today
    published: Mapping[str, Any] = field(default_factory=dict)  # quantity id -> the sheet's value


@dataclass(frozen=True)
class Line:
    """One line of a curves plot: a series of the result, optionally the key's envelope."""

    label: str  # message id (or literal text)
    series: str  # "<series name>.<metric>", e.g. "A.loss"
    envelope: str = ""  # quantity id of the key's min–max envelope, drawn only when revealed


@dataclass(frozen=True)
class PlotSpec:
    """A plot of a report. ``curves``: per-epoch lines; ``by_key``: a mapping on a log2 axis
    (e.g. test MSE by batch size) against the bands of ``band_prefix + key``."""

    exercise: str
    name: str  # file stem
    title: str  # message id
    kind: str  # "curves" | "by_key"
    title_params: Mapping[str, str] = field(default_factory=dict)
    ylabel: str = "plot_loss"
    xlabel: str = "plot_epoch"
    lines: tuple[Line, ...] = ()
    series: str = ""  # by_key: the series holding the mapping
    band_prefix: str = ""  # by_key: quantity ids are band_prefix + mapping key
    log_y: bool = False


@dataclass(frozen=True)
class ExampleEdit:
    """A change to one cell of the solution notebook: replace ``old`` by ``new`` (or prepend)."""

    cell: str
    old: str = ""
    new: str = ""
    prepend: str = ""


def _story(given: Any) -> Mapping[str, str]:
    """An example student's ``story``: a table of languages, or one text said in every language."""
    return {str(k): str(v) for k, v in given.items()} if isinstance(given, dict) else {"en": str(given)}


@dataclass(frozen=True)
class ExampleStudent:
    name: str
    participant: int
    email: str
    story: Mapping[str, str]  # what this submission shows, per language (``story = {pt = …, en = …}``)
    edits: tuple[ExampleEdit, ...] = ()
    letters: Mapping[str, str] = field(default_factory=dict)  # exercise number -> letter
    truncate: int = 0  # keep only the first N bytes (a malformed upload)

    def story_in(self, lang: str) -> str:
        """The story in ``lang``, else English, else the first one given."""
        return self.story.get(lang) or self.story.get("en") or next(iter(self.story.values()), "")


@dataclass(frozen=True)
class ExampleClass:
    """The built-in example class: the solution notebook with typical changes per student."""

    profile: str
    students: tuple[ExampleStudent, ...]
    time_overrides: Mapping[str, float] = field(default_factory=dict)
    lms_name: str = ""


@runtime_checkable
class AssignmentHooks(Protocol):
    """The code an assignment plugs into the engine. Everything else is data in its folder.

    ``BaseHooks`` (also exported by ``autograder.sdk``) implements every member with a neutral
    default; an assignment subclasses it and overrides what it computes.
    """

    def run_reference(self, assignment: Assignment, spec: RunSpec, profile: Profile,
                      progress: Progress) -> dict[str, Any]:
        """Compute one reference run (called in a fresh process) and return plain JSON data.

        ``spec.seeding == "sheet"`` must seed as the sheet tells students to; the result should
        hold ``"supports"``: the letters today's numbers support (for the drift verdict)."""
        ...

    def assemble_key(self, assignment: Assignment, profile: Profile,
                     runs: Sequence[Run]) -> KeyParts:
        """Turn every finished run into key quantities (value + explicit tolerance) and drift."""
        ...

    def own_letters(self, exercise: str, extracted: Extracted) -> list[str]:
        """The letters the student's OWN numbers support (for consistency credit); [] if unknown.

        ``extracted`` is untrusted plain data: never raise on odd values."""
        ...


class BaseHooks:
    """Neutral defaults for every ``AssignmentHooks`` member: subclass and override."""

    def run_reference(self, assignment: Assignment, spec: RunSpec, profile: Profile,
                      progress: Progress) -> dict[str, Any]:
        """No reference code: an assignment whose key computes nothing."""
        raise AssignmentError(
            msg("assignment_no_reference_code", name=assignment.name, exercise=spec.exercise),
            where=str(assignment.root / "__init__.py"), fix=msg("assignment_no_reference_code_fix"))

    def assemble_key(self, assignment: Assignment, profile: Profile,
                     runs: Sequence[Run]) -> KeyParts:
        """No computed quantities."""
        return KeyParts(quantities=(), drift={})

    def own_letters(self, exercise: str, extracted: Mapping[str, Mapping[str, Any]]) -> list[str]:
        """No consistency credit."""
        return []


@dataclass(frozen=True)
class Assignment:
    """An assignment as the engine sees it: its folder's files, read once, and its hooks."""

    name: str
    version: str
    title: str
    root: Path
    manifest: Mapping[str, Any] = field(repr=False)
    contract_sha256: str
    hooks: AssignmentHooks = field(repr=False)

    # -- identity -----------------------------------------------------------------------------
    def identity(self) -> dict[str, str]:
        """What results and keys record to say which assignment they belong to."""
        return {"name": self.name, "version": self.version, "contract_sha256": self.contract_sha256}

    # -- files --------------------------------------------------------------------------------
    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    @cached_property
    def contract(self) -> Contract:
        """The answer contract, read and validated once."""
        from autograder.contract import load_contract

        return load_contract(self.path("contract.json"))

    @cached_property
    def authored(self) -> Module:
        """The authored source, parsed and checked against the contract once."""
        from autograder.authoring import load_source

        return load_source(self)

    @property
    def source_path(self) -> Path:
        return self.path("source.md")

    @property
    def generated_dir(self) -> Path:
        return self.path("generated")

    def key_path(self, profile: str = "full") -> Path:
        """The committed key of ``profile``."""
        return self.path("keys", profile, "key.json")

    def answers(self) -> dict[str, Any]:
        """``answers.json``: ``{"answers": {"1": {"letter", "justificativa", ...}}, ...}``."""
        return dict(_read_json(self.path("answers.json")))

    @cached_property
    def messages(self) -> Mapping[str, Mapping[str, str]]:
        """The assignment's own sentences per language (misconceptions, plot titles)."""
        p = self.path("messages.json")
        return MappingProxyType(_read_json(p)) if p.is_file() else MappingProxyType({})

    def key_report_intro(self, lang: str = "en") -> str:
        """The introduction of the key's report (``keys/<profile>/report.md``) in ``lang``.

        ``key_report.md`` holds the Portuguese (like ``source.md``, the assignment's own language)
        and ``key_report.en.md`` the English; a language whose file is missing gets the other one,
        and an assignment with neither file has no introduction (``""``)."""
        names = ("key_report.md", "key_report.en.md")
        for name in (names if lang == "pt" else names[::-1]):
            p = self.path(name)
            if p.is_file():
                return p.read_text(encoding="utf-8")
        return ""

    # -- manifest -----------------------------------------------------------------------------
    @property
    def profile_names(self) -> tuple[str, ...]:
        return tuple(self.manifest.get("profiles", {}))

    def profile(self, name: str) -> Profile:
        profiles = self.manifest.get("profiles", {})
        if name not in profiles:
            raise AssignmentError(
                msg("assignment_no_profile", name=self.name, profile=name),
                where=str(self.path(MANIFEST)),
                fix=msg("assignment_no_profile_fix",
                        profiles=", ".join(profiles) or msg("assignment_no_profile_none")))
        return Profile(name, _freeze(dict(profiles[name])))

    @property
    def datasets(self) -> tuple[Dataset, ...]:
        out = []
        for name, d in self.manifest.get("datasets", {}).items():
            files = tuple(DatasetFile(name, f["path"], int(f["size"]), f["sha256"])
                          for f in d.get("files", ()))
            out.append(Dataset(name, files, d.get("loader", "")))
        return tuple(out)

    @property
    def reference_exercises(self) -> tuple[str, ...]:
        """Exercises the key computes, in order (each gets one deterministic run)."""
        return tuple(self.manifest.get("key", {}).get("exercises", ()))

    def sheet_runs(self, profile: str) -> dict[str, int]:
        """Sheet-seeded runs per training exercise for ``profile`` (the honest spread)."""
        per = self.manifest.get("key", {}).get("sheet_runs", {})
        return {k: int(v) for k, v in per.get(profile, {}).items()}

    def datasets_for(self, exercises: Sequence[str]) -> tuple[str, ...]:
        needs = self.manifest.get("key", {}).get("datasets", {})
        return tuple(sorted({d for e in exercises for d in needs.get(e, ())}))

    @property
    def training_exercises(self) -> tuple[str, ...]:
        """Exercises whose numbers come from training (seed spread), from the key's sheet runs."""
        per = self.manifest.get("key", {}).get("sheet_runs", {})
        return tuple(e for e in self.reference_exercises
                     if any(e in runs for runs in per.values()))

    def series_reads(self, exercise: str) -> Mapping[str, str]:
        """Series the reports plot for ``exercise``: series name -> "part:name"."""
        return dict(self.manifest.get("series", {}).get(exercise, {}))

    def plots(self, exercise: str) -> tuple[PlotSpec, ...]:
        out = []
        for p in self.manifest.get("plots", ()):
            if p.get("exercise") != exercise:
                continue
            lines = tuple(Line(**ln) for ln in p.get("lines", ()))
            out.append(PlotSpec(**{**{k: v for k, v in p.items() if k != "lines"}, "lines": lines}))
        return tuple(out)

    @property
    def replay_settings(self) -> Mapping[str, str]:
        """Fast mode: exercises that may be replay-verified -> the profile setting of their epochs."""
        return dict(self.manifest.get("fast", {}).get("replay", {}))

    @property
    def sandbox_preload(self) -> tuple[str, ...]:
        """``[sandbox] preload``: modules a warm sandbox's zygote imports once, so that each
        kernel forked from it starts with them loaded (README, "Warm kernels"); never a module that
        starts threads or reads devices at import (TensorFlow). A module that does not import
        is left to the kernel."""
        table = self.manifest.get("sandbox", {})
        preload = table.get("preload", []) if isinstance(table, Mapping) else None
        if not isinstance(preload, list) or not all(isinstance(m, str) and m for m in preload):
            raise AssignmentError(msg("assignment_preload_malformed"), where=str(self.root / MANIFEST),
                                  fix=msg("assignment_preload_malformed_fix"))
        return tuple(preload)

    @property
    def late_policy(self) -> LatePolicy | None:
        """``[late]``: due date, grace, penalty per day or hour, cap, refuse (autograder.late);
        None when the manifest has no such table."""
        from autograder.late import LatePolicy

        table = self.manifest.get("late")
        if table is None:
            return None
        try:
            if not isinstance(table, Mapping):
                raise AssignmentError(msg("assignment_late_malformed",
                                          detail=msg("assignment_late_not_table")),
                                      where=str(self.path(MANIFEST)), fix=msg("assignment_late_fix"))
            return LatePolicy.from_mapping(table)
        except ValueError as exc:
            detail = getattr(exc, "msg", None)  # a catalogue sentence when autograder.late gives one
            raise AssignmentError(
                msg("assignment_late_malformed", detail=detail if isinstance(detail, Msg) else str(exc)),
                where=str(self.path(MANIFEST)), fix=msg("assignment_late_fix")) from None

    @property
    def submission_pattern(self) -> str:
        """``submission``: the notebook a submission must contain (a file name or a glob, e.g.
        "exercicios.ipynb" or "lista*.ipynb"); "" when the manifest names none."""
        value = self.manifest.get("submission", "")
        if not isinstance(value, str):
            raise AssignmentError(msg("assignment_submission_not_string"),
                                  where=str(self.path(MANIFEST)), fix=msg("assignment_submission_fix"))
        return value

    @property
    def language(self) -> str:
        """The notebooks' language: the default of ``--lang`` for reports and exports."""
        lang = self.manifest.get("language", "pt")
        return lang if lang in ("pt", "en") else "pt"

    def example(self) -> ExampleClass | None:
        """``example.toml``: the built-in example class (None when the assignment has none)."""
        p = self.path("example.toml")
        if not p.is_file():
            return None
        d = tomllib.loads(p.read_text(encoding="utf-8"))
        students = tuple(
            ExampleStudent(
                name=s["name"], participant=int(s["participant"]), email=s["email"],
                story=_story(s["story"]), edits=tuple(ExampleEdit(**e) for e in s.get("edits", ())),
                letters={str(k): str(v) for k, v in s.get("letters", {}).items()},
                truncate=int(s.get("truncate", 0)))
            for s in d.get("students", ()))
        return ExampleClass(profile=d.get("profile", "smoke"), students=students,
                            time_overrides={k: float(v) for k, v in d.get("time_overrides", {}).items()},
                            lms_name=d.get("lms_name", self.title))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AssignmentError(msg("assignment_file_unreadable", file=path.name, error=str(exc)),
                              where=str(path), fix=msg("assignment_file_unreadable_fix")) from exc


# ---- finding and loading ------------------------------------------------------------------------

def installed() -> dict[str, metadata.EntryPoint]:
    """Assignments installed through the entry-point group: name -> entry point."""
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def _import_folder(folder: Path) -> ModuleType:
    """Import an assignment folder as a package of its own (relative imports work inside it)."""
    init = folder / "__init__.py"
    if not init.is_file():
        raise AssignmentError(msg("assignment_not_a_folder", folder=str(folder)), where=str(folder),
                              fix=msg("assignment_not_a_folder_fix"))
    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:12]
    modname = f"dl_autograder_assignment_{folder.name}_{digest}"
    if modname in sys.modules:
        return sys.modules[modname]
    spec = importlib.util.spec_from_file_location(modname, init, submodule_search_locations=[str(folder)])
    if spec is None or spec.loader is None:
        raise AssignmentError(msg("assignment_cannot_import", path=str(init)), where=str(init))
    module = importlib.util.module_from_spec(spec)
    sys.modules[modname] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[modname]
        raise AssignmentError(msg("assignment_import_failed", error_type=type(exc).__name__, error=str(exc)),
                              where=str(init), fix=msg("assignment_import_failed_fix")) from exc
    return module


def _from_module(module: ModuleType, root: Path) -> Assignment:
    manifest_path = root / MANIFEST
    try:
        manifest = tomllib.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise AssignmentError(msg("assignment_manifest_unreadable", error=str(exc)),
                              where=str(manifest_path),
                              fix=msg("assignment_manifest_unreadable_fix", manifest=MANIFEST)) from exc
    for required in ("name", "version", "title"):
        if not isinstance(manifest.get(required), str):
            raise AssignmentError(msg("assignment_manifest_missing", manifest=MANIFEST, field=required),
                                  where=str(manifest_path),
                                  fix=msg("assignment_manifest_missing_fix", field=required))
    hooks = getattr(module, "hooks", None)
    if hooks is None:
        hooks = BaseHooks()
    if not isinstance(hooks, AssignmentHooks):
        raise AssignmentError(msg("assignment_bad_hooks"), where=str(root / "__init__.py"),
                              fix=msg("assignment_bad_hooks_fix"))
    contract = root / "contract.json"
    if not contract.is_file():
        raise AssignmentError(msg("assignment_no_contract"), where=str(root),
                              fix=msg("assignment_no_contract_fix"))
    return Assignment(name=manifest["name"], version=manifest["version"], title=manifest["title"],
                      root=root.resolve(), manifest=MappingProxyType(manifest),
                      contract_sha256=sha256_file(contract), hooks=hooks)


def _load_entry_point(ep: metadata.EntryPoint) -> Assignment:
    try:
        module = ep.load()
    except Exception as exc:
        raise AssignmentError(msg("assignment_installed_import_failed", name=ep.name,
                                  error_type=type(exc).__name__, error=str(exc)), where=ep.value) from exc
    if not isinstance(module, ModuleType) or not getattr(module, "__file__", None):
        raise AssignmentError(msg("assignment_entry_point_not_package", name=ep.name), where=ep.value,
                              fix=msg("assignment_entry_point_not_package_fix"))
    return _from_module(module, Path(str(module.__file__)).parent)


def load_assignment(spec: str | Path | None = None) -> Assignment:
    """The assignment named ``spec`` (an installed name, or the path of its folder).

    ``None``: the only installed assignment; an error naming them when there are several."""
    eps = installed()
    if spec is None:
        if len(eps) == 1:
            return _load_entry_point(next(iter(eps.values())))
        if eps:
            raise AssignmentError(msg("assignment_several_installed"),
                                  fix=msg("assignment_several_installed_fix", names=", ".join(sorted(eps))))
        raise AssignmentError(msg("assignment_none_installed"), fix=msg("assignment_none_installed_fix"))
    text = str(spec)
    if text in eps:
        return _load_entry_point(eps[text])
    folder = Path(text).expanduser()
    if folder.is_file() and folder.name == MANIFEST:
        folder = folder.parent
    if folder.is_dir():
        folder = folder.resolve()
        for ep in eps.values():  # an installed assignment given by its path: load it once, by name
            try:
                origin = importlib.util.find_spec(ep.value.split(":")[0])
            except (ImportError, ValueError):
                continue
            if origin and origin.origin and Path(origin.origin).parent.resolve() == folder:
                return _load_entry_point(ep)
        return _from_module(_import_folder(folder), folder)
    raise AssignmentError(
        msg("assignment_not_found", name=text),
        fix=msg("assignment_not_found_fix",
                names=", ".join(sorted(eps)) or msg("assignment_not_found_none_installed")))


def notebook_assignment(raw: bytes) -> str | None:
    """The assignment a notebook names in its metadata (``metadata.autograder.assignment``), if any."""
    try:
        meta = json.loads(raw).get("metadata", {}).get("autograder", {})
        name = meta.get("assignment") or meta.get("module")
    except (ValueError, AttributeError, UnicodeDecodeError):
        return None
    return name if isinstance(name, str) and name else None


def for_notebook(raw: bytes, spec: str | Path | None = None) -> Assignment:
    """``spec`` if given; else the assignment named in the notebook's metadata; else the only one."""
    if spec is not None:
        return load_assignment(spec)
    name = notebook_assignment(raw)
    if name is not None and name in installed():
        return load_assignment(name)
    return load_assignment(None)


def all_installed() -> tuple[Assignment, ...]:
    return tuple(_load_entry_point(ep) for _, ep in sorted(installed().items()))


# What ``check_same`` callers name by a word: the catalogue's noun for it.
_RECORDED = {"key": "assignment_recorded_key", "answer key": "assignment_recorded_answer_key",
             "result": "assignment_recorded_result", "notebook": "assignment_recorded_notebook"}


def check_same(assignment: Assignment, recorded: Mapping[str, Any] | None, what: Msg | str,
               where: str = "") -> None:
    """Raise ``AssignmentMismatch`` when ``recorded`` (a key's or result's identity) is another
    assignment's, or the same assignment with another contract.

    ``what`` names the thing checked: a ``Msg`` (``msg("assignment_recorded_answer_key")``), or
    one of the words of ``_RECORDED`` ("key", "answer key", "result", "notebook")."""
    from autograder.errors import AssignmentMismatch

    if not recorded:
        return
    thing = what if isinstance(what, Msg) else msg(_RECORDED[what]) if what in _RECORDED else what
    if recorded.get("name") != assignment.name:
        raise AssignmentMismatch(
            msg("assignment_mismatch_other", what=thing, recorded=recorded.get("name"),
                name=assignment.name),
            where=where, fix=msg("assignment_mismatch_other_fix", what=thing, name=assignment.name,
                                 keys=str(assignment.root / "keys"), recorded=recorded.get("name")))
    if recorded.get("contract_sha256") and recorded["contract_sha256"] != assignment.contract_sha256:
        raise AssignmentMismatch(
            msg("assignment_mismatch_contract", what=thing, name=assignment.name,
                recorded_sha=str(recorded["contract_sha256"])[:12],
                installed_sha=assignment.contract_sha256[:12]),
            where=where, fix=msg("assignment_mismatch_contract_fix"))
