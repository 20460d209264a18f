"""Find the submissions in a folder or .zip exported by an LMS, and who submitted each one.

One layout decides for the whole batch, checked in this order:

``gradescope``  "Export Submissions": ``submission_metadata.yml`` beside ``submission_<id>/`` folders.
                The YAML maps each folder to ``:submitters:`` (``:name:``, ``:sid:``, ``:email:``);
                the student id is the SID (else the e-mail). One entry per submitter of a group.
``moodle``      "Download all submissions". Moodle >= 3.1 (default "download in folders"):
                ``Full Name_12345_assignsubmission_file[_]/<files>`` (4.x has no trailing ``_``);
                older / flat: ``Full Name_12345_assignsubmission_file_<file>``. Moodle replaces
                ``_`` in names by spaces, so the name is everything before the first ``_``; 12345 is
                the participant id of this assignment (blind marking: ``Participant_12345_...``).
                Team submissions (``mod/assign/classes/downloader.php``, get_student_prefix) are
                named after the GROUP: ``Group Name_<group id>_assignsubmission_file/``, and
                ``Default group_assignsubmission_file/`` (no number) for those in no group. Both
                shapes look alike, so a download is taken for a team download when it has a
                "Default group" folder or the grading worksheet (``--worksheet``) has a Group
                column; then each folder is one group (id ``group-<group id>``), graded once, and
                its members are the rows the worksheet lists in that group. Without the worksheet
                the membership is unknown: each group folder is reported in problems.txt.
``canvas``      "Download Submissions" (``lib/content_zipper.rb``, get_filename and
                add_upload_submission): ``<name>_[LATE_]<user id>_<file id>_<file name>``. <name>
                is the sortable name ("Souza, Ana") lowercased with every character that is not
                a letter, digit or "_" removed (``souzaana``; accents are kept) and any
                ``_<digits>_`` inside it collapsed, so the user id is the first all-digit field
                and the attachment id the second, as Canvas itself reads them back
                (``Assignment#infer_comment_context_from_filename``). ``LATE`` (upper case, the
                name is lower case) when Canvas marked the submission late. The file name is the
                student's, with ``/\\:*?"<>|`` replaced by "_" (and ``-1`` before the extension
                for a duplicate). Anonymous grading: ``[LATE_]anon_<anonymous id>_<file id>_<file
                name>``. Text-entry and URL submissions have no file id:
                ``<name>_[LATE_]<user id>_text.html`` / ``_link.html``. In a group assignment
                graded as a group, the name is the GROUP's and the id one member's
                (``Assignment#representatives``): only the Canvas export, which sees the
                gradebook's names, can tell (``autograder.export.canvas``).
``plain``       ``<student id>.ipynb`` files at the top level.

Moodle is recognised by any one entry (``_assignsubmission_`` is unmistakable); Canvas needs at
least half of the files to follow its pattern.

A zip is extracted first, refusing absolute paths, ``..`` and symlinks, and capping its size.
A single wrapping folder (``assignment_123_export/``, ``submissions/``) is looked through.

Nothing is guessed: an entry that does not match the layout, a student without a notebook, a
file that is not a notebook are reported as problems. A student with several notebooks
(several files, or several entries with the same id) has the newest one graded (latest
modification time, ties broken by the path) and the others reported as not graded.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml

from autograder.batch import BatchError
from autograder.i18n import Msg, msg
from autograder.results import Student

ProblemKind = Literal[
    "unparseable_name",  # the entry does not follow the layout: we do not know whose it is
    "multiple_notebooks",  # one student, several notebooks: the newest is graded
    "no_notebook",  # a student submitted, but no .ipynb
    "not_a_notebook",  # a file that is not a notebook where notebooks are expected
    "duplicate_student",  # several entries claim the same student: the newest is graded
    "unsafe_member",  # a zip member with an absolute path, "..", a symlink, or a clashing name
    "group_submission",  # a Moodle team folder whose members are not known here
]

MAX_EXTRACT_BYTES = 4 * 1024**3  # a whole class's notebooks with outputs fit; a zip bomb does not
MAX_MEMBERS = 50_000
JUNK = {"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini", ".ipynb_checkpoints"}

MOODLE_FOLDER = re.compile(r"^(?P<name>[^_]+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?$")
DEFAULT_GROUP_NAMES = ("Default group", "Grupo padrão", "Grupo predefinido")  # defaultteam, en / pt
MOODLE_DEFAULT_GROUP = re.compile(r"^(?P<name>" + "|".join(DEFAULT_GROUP_NAMES)
                                  + r")_assignsubmission_(?P<plugin>[a-z]+)(?:_(?P<file>.*))?$")
MOODLE_FLAT = re.compile(r"^(?P<name>[^_]+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.+)$")
CANVAS = re.compile(r"^(?P<name>.+?)_(?:(?P<late>LATE)_)?(?P<id>\d+)_(?P<file_id>\d+)_(?P<file>.+)$")
CANVAS_ANON = re.compile(r"^(?:(?P<late>LATE)_)?(?P<id>anon_[A-Za-z0-9]+)_(?P<file_id>\d+)_(?P<file>.+)$")
CANVAS_ONLINE = re.compile(r"^(?P<name>.+?)_(?:(?P<late>LATE)_)?(?P<id>\d+)_(?P<kind>text|link)\.html$")
CANVAS_ONLINE_ANON = re.compile(r"^(?:(?P<late>LATE)_)?(?P<id>anon_[A-Za-z0-9]+)_(?P<kind>text|link)\.html$")
GRADESCOPE_METADATA = "submission_metadata.yml"


@dataclass(frozen=True)
class FoundSubmission:
    student: Student
    path: Path  # the notebook on disk (inside the extraction folder for a zip)
    layout: str  # "gradescope" | "moodle" | "canvas" | "plain"
    origin: str = ""  # where it is in what the TA gave us, e.g. "subs.zip:Ana_12_.../nb.ipynb"
    late: bool = False  # Canvas marked it LATE
    submitted_at: str = ""  # ISO 8601, when the LMS says (Gradescope export, Moodle worksheet)
    members: tuple[str, ...] = ()  # a Moodle group's participants, from the worksheet


@dataclass(frozen=True)
class Problem:
    path: str  # as ``origin`` above
    kind: ProblemKind
    message: Msg  # a sentence for the TA

    def line(self, lang: str = "en") -> str:
        return f"[{self.kind}] {self.path}: {self.message.text(lang)}"

    def to_dict(self) -> dict[str, str]:
        """For summary.json: the message in English, and its id."""
        return {"path": self.path, "kind": self.kind, "message": str(self.message),
                "message_id": self.message.id}


@dataclass(frozen=True)
class Discovery:
    submissions: tuple[FoundSubmission, ...]
    problems: tuple[Problem, ...]
    layout: str
    root: Path  # the folder that was scanned
    extracted_to: Path | None = None  # for a zip: the folder it was extracted into (caller removes)


# ----------------------------------------------------------------------------- zip extraction

def _member_problem(info: zipfile.ZipInfo) -> Msg | None:
    name = info.filename.replace("\\", "/")
    if "\x00" in name:
        return msg("batch_zip_member_nul")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return msg("batch_zip_member_absolute")
    if ".." in name.split("/"):
        return msg("batch_zip_member_dotdot")
    if stat.S_ISLNK(info.external_attr >> 16):
        return msg("batch_zip_member_symlink")
    return None


def _member_name(info: zipfile.ZipInfo) -> str:
    """Zips written without the UTF-8 flag are read as cp437 by Python; most LMS wrote UTF-8."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode(encoding="cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def extract_zip(archive: Path, dest: Path, *, max_bytes: int = MAX_EXTRACT_BYTES,
                max_members: int = MAX_MEMBERS) -> tuple[Problem, ...]:
    """Extract ``archive`` into ``dest``. Unsafe members are skipped and reported; an archive
    over ``max_bytes`` (declared or actually read) or ``max_members`` stops everything."""
    problems = []
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BatchError(msg("batch_zip_unreadable", archive=str(archive), error=str(exc)),
                         fix=msg("batch_zip_unreadable_fix")) from exc
    with zf:
        infos = zf.infolist()
        declared = sum(i.file_size for i in infos)
        if len(infos) > max_members or declared > max_bytes:
            raise BatchError(
                msg("batch_zip_too_large", archive=str(archive), members=len(infos),
                    mb=f"{declared / 1e6:.0f}", max_members=max_members, max_mb=f"{max_bytes / 1e6:.0f}"),
                fix=msg("batch_zip_too_large_fix"))
        dest.mkdir(parents=True, exist_ok=True)
        root = dest.resolve()
        written = 0
        for info in infos:
            name = _member_name(info).replace("\\", "/")
            where = f"{archive.name}:{name}"
            reason = _member_problem(info)
            target = root.joinpath(*[p for p in name.split("/") if p not in ("", ".")])
            if target == root:
                continue
            if reason is None and root not in target.resolve().parents:
                reason = msg("batch_zip_member_outside")
            if reason is not None:
                problems.append(Problem(where, "unsafe_member", msg("batch_not_extracted", reason=reason)))
                continue
            try:
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "xb") as out:  # "x": never overwrite
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        if written > max_bytes:
                            raise BatchError(msg("batch_zip_expands", archive=str(archive),
                                                 max_mb=f"{max_bytes / 1e6:.0f}"),
                                             fix=msg("batch_zip_expands_fix"))
                        out.write(chunk)
            except FileExistsError:
                problems.append(Problem(where, "unsafe_member", msg("batch_not_extracted_same_name")))
                continue
            except (OSError, zipfile.BadZipFile, RuntimeError) as exc:  # RuntimeError: encrypted
                problems.append(Problem(where, "unsafe_member", msg("batch_not_extracted", reason=str(exc))))
                continue
            try:
                mtime = time.mktime((*info.date_time, 0, 0, -1))
                os.utime(target, (mtime, mtime))
            except (OverflowError, ValueError, OSError):
                pass
    return tuple(problems)


# ----------------------------------------------------------------------------- scanning

def _visible(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name not in JUNK and not p.name.startswith("."))


def _files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()
                  and not any(part in JUNK or part.startswith(".") for part in p.relative_to(folder).parts))


def _unwrap(root: Path) -> Path:
    """Look through folders that only wrap the export (a zip's single top-level folder)."""
    while True:
        entries = _visible(root)
        if (len(entries) == 1 and entries[0].is_dir() and not (root / GRADESCOPE_METADATA).exists()
                and not MOODLE_FOLDER.match(entries[0].name)):
            root = entries[0]
        else:
            return root


def _layout_of(root: Path, entries: list[Path]) -> str:
    if (root / GRADESCOPE_METADATA).is_file():
        return "gradescope"
    if any(MOODLE_DEFAULT_GROUP.match(e.name) or (MOODLE_FOLDER.match(e.name) if e.is_dir()
                                                   else MOODLE_FLAT.match(e.name)) for e in entries):
        return "moodle"
    files = [e for e in entries if e.is_file()]
    canvas = [e for e in files if _canvas_match(e.name)]
    if canvas and 2 * len(canvas) >= len(files):  # a plain "a_1_2_b.ipynb" alone does not make it Canvas
        return "canvas"
    return "plain"


WORKSHEET_FIX = "batch_worksheet_fix"  # the catalogue's sentence: what to do about a worksheet


@dataclass(frozen=True)
class MoodleInfo:
    """What Moodle's grading worksheet adds to a download (``moodle_info``)."""

    team: bool  # the worksheet has a Group column: every folder is a group
    members: dict[str, tuple[str, ...]]  # group name (casefolded) -> participant ids
    submitted: dict[str, str]  # participant id -> ISO 8601 "Last modified (submission)"
    where: str = ""


def moodle_info(worksheet: str | Path | None, tz: Any = None) -> MoodleInfo | None:
    """Read the worksheet for discovery (None: no worksheet). A worksheet that cannot be read
    stops the batch with the reason (nothing was graded yet)."""
    if not worksheet:
        return None
    from autograder.errors import AutograderError
    from autograder.export.moodle import participant_id, read_worksheet

    path = Path(worksheet)
    try:
        sheet = read_worksheet(path.read_bytes().decode("utf-8-sig"), path.name)
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchError(msg("batch_worksheet_unreadable", path=str(path), error=str(exc)),
                         fix=msg(WORKSHEET_FIX)) from exc
    except AutograderError as exc:
        raise BatchError(exc.what, where=exc.where, fix=msg(WORKSHEET_FIX)) from exc
    members: dict[str, list[str]] = {}
    submitted: dict[str, str] = {}
    for n, row in enumerate(sheet.data):
        pid = participant_id(sheet.cell(row, "id"))
        if pid is None:
            continue
        if group := sheet.cell(row, "group"):
            members.setdefault(group.casefold(), []).append(pid)
        if (at := sheet.submitted(n, tz)) is not None:
            submitted[pid] = at.isoformat()
    return MoodleInfo(sheet.team, {k: tuple(v) for k, v in members.items()}, submitted, path.name)


@dataclass
class _Claim:
    """What one student submitted, gathered over the entries that name them."""

    student: Student
    notebooks: list[tuple[Path, Path]] = field(default_factory=list)  # (notebook, entry it came from)
    other_files: list[Path] = field(default_factory=list)
    entries: set[Path] = field(default_factory=set)
    late: bool = False
    submitted_at: str = ""
    members: tuple[str, ...] = ()


class _Scan:
    def __init__(self, root: Path, label: str) -> None:
        self.root, self.label = root, label
        self.claims: dict[str, _Claim] = {}
        self.problems: list[Problem] = []

    def where(self, p: Path) -> str:
        return f"{self.label}{p.relative_to(self.root).as_posix()}"

    def problem(self, p: Path, kind: ProblemKind, message: Msg) -> None:
        self.problems.append(Problem(self.where(p), kind, message))

    def claim(self, student: Student, entry: Path, files: Iterable[Path], late: bool = False,
              submitted_at: str = "", members: tuple[str, ...] = ()) -> None:
        c = self.claims.setdefault(student.id, _Claim(student))
        c.entries.add(entry)
        c.late = c.late or late
        c.submitted_at = max(c.submitted_at, submitted_at)
        c.members = c.members or members
        for f in files:
            if f.suffix.lower() == ".ipynb":
                c.notebooks.append((f, entry))
            else:
                c.other_files.append(f)

    def unparseable(self, entry: Path, layout: str) -> None:
        self.problem(entry, "unparseable_name", msg(f"batch_unparseable_{layout}"))


def _scan_moodle(s: _Scan, entries: list[Path], info: MoodleInfo | None = None) -> None:
    team = info.team if info is not None else any(MOODLE_DEFAULT_GROUP.match(e.name) for e in entries)
    reported: set[str] = set()
    for e in entries:
        default = MOODLE_DEFAULT_GROUP.match(e.name)
        m = default or (MOODLE_FOLDER if e.is_dir() else MOODLE_FLAT).match(e.name)
        if not m:
            s.unparseable(e, "moodle")
            continue
        files = _files_in(e) if e.is_dir() else [e]
        name = m["name"].strip()
        if not team:
            submitted = info.submitted.get(m["id"], "") if info else ""
            s.claim(Student(id=m["id"], name=name, source="moodle"), e, files, submitted_at=submitted)
            continue
        gid = "group-default" if default else f"group-{m['id']}"
        members = info.members.get(name.casefold(), ()) if info else ()
        submitted = max((info.submitted.get(p, "") for p in members), default="") if info else ""
        s.claim(Student(id=gid, name=name, source="moodle-group"), e, files, submitted_at=submitted,
                members=members)
        if gid in reported:
            continue
        reported.add(gid)
        if info is None:
            s.problem(e, "group_submission", msg("batch_group_members_unknown", group=repr(name)))
        elif not members:
            s.problem(e, "group_submission",
                      msg("batch_group_nobody", group=repr(name), worksheet=info.where))


def _canvas_match(name: str) -> re.Match[str] | None:
    """An uploaded file first (it has the file id), then a text entry / URL page; the anonymous
    forms before the named ones."""
    for pattern in (CANVAS_ANON, CANVAS, CANVAS_ONLINE_ANON, CANVAS_ONLINE):
        if m := pattern.match(name):
            return m
    return None


def _scan_canvas(s: _Scan, entries: list[Path]) -> None:
    for e in entries:
        m = _canvas_match(e.name) if e.is_file() else None
        if not m:
            s.unparseable(e, "canvas")
            continue
        name = "" if m["id"].startswith("anon_") else m["name"]
        # a text entry or URL page (no file id) counts as the student's, not as a notebook
        s.claim(Student(id=m["id"], name=name, source="canvas"), e, [e], late=bool(m["late"]))


def _scan_plain(s: _Scan, entries: list[Path]) -> None:
    for e in entries:
        if e.is_dir():
            s.unparseable(e, "plain")
        elif e.suffix.lower() != ".ipynb":
            s.problem(e, "not_a_notebook", msg("batch_not_a_notebook"))
        else:
            s.claim(Student(id=e.stem, source="filename"), e, [e])


@dataclass(frozen=True)
class GradescopeMetadata:
    """What ``submission_metadata.yml`` says about each submission folder."""

    submitters: dict[str, list[dict[str, str]]]
    """folder -> its submitters, ``{"name", "sid", "email"}`` (values as text, "" when empty)."""
    malformed: dict[str, Msg | str]
    """folder -> why its entry cannot be used (a sentence, or the YAML parser's own text); key ""
    when the whole file cannot."""
    created_at: dict[str, str] = field(default_factory=dict)
    """folder -> ``:created_at:`` (ISO 8601), when the submission was made."""


# A YAML document can fail to load in more ways than YAMLError: a timestamp such as
# 2024-13-45 raises ValueError, very deep nesting RecursionError.
_LOAD_ERRORS = (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError)


def _load_error(exc: BaseException, first_line: int = 0) -> Msg | str:
    """One line for the TA: where the YAML is wrong (1-based line in the file) and what."""
    mark = getattr(exc, "problem_mark", None)
    if isinstance(exc, yaml.MarkedYAMLError) and mark is not None:
        problem = exc.problem or exc.context
        line = first_line + mark.line + 1
        if problem:
            return msg("batch_yaml_line", line=line, problem=problem)
        return msg("batch_yaml_invalid", line=line)
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _field(key: object) -> str:
    """Gradescope writes Ruby symbols as keys: ``:sid:`` loads as the key ":sid"."""
    name = str(key)
    return name[1:] if name.startswith(":") else name


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _submitters(entry: Any) -> list[dict[str, str]] | Msg:
    """The submitters of one folder's entry, or why the entry cannot be used."""
    if entry is None:
        return []
    if not isinstance(entry, dict):
        return msg("batch_gs_entry_not_mapping")
    raw = {_field(k): v for k, v in entry.items()}.get("submitters")
    if raw is None:
        return []
    if not isinstance(raw, list):
        return msg("batch_gs_submitters_not_list")
    found = []
    for sub in raw:
        if not isinstance(sub, dict):
            return msg("batch_gs_submitter_not_mapping")
        found.append({_field(k): _text(v) for k, v in sub.items()})
    return found


def _add_document(meta: GradescopeMetadata, data: Any) -> None:
    if data is None:
        return
    if not isinstance(data, dict):
        meta.malformed[""] = msg("batch_gs_not_entries", kind=type(data).__name__)
        return
    for folder, entry in data.items():
        fields = {_field(k): v for k, v in entry.items()} if isinstance(entry, dict) else {}
        created = fields.get("created_at")
        if isinstance(created, datetime):
            meta.created_at[_text(folder)] = created.isoformat()
        elif isinstance(created, str):
            try:
                meta.created_at[_text(folder)] = datetime.fromisoformat(created.strip()).isoformat()
            except ValueError:
                pass
        subs = _submitters(entry)
        if isinstance(subs, Msg):
            meta.malformed[_text(folder)] = subs
        else:
            meta.submitters[_text(folder)] = subs


def _top_level_entries(text: str) -> list[tuple[int, str]]:
    """The file cut at each top-level key, as (0-based first line, text of that entry)."""
    entries: list[tuple[int, list[str]]] = []
    for number, line in enumerate(text.splitlines(keepends=True)):
        top = line[:1] not in ("", " ", "\t", "#", "\r", "\n") and line.strip() not in ("---", "...")
        if top:
            entries.append((number, [line]))
        elif entries:
            entries[-1][1].append(line)
    return [(number, "".join(lines)) for number, lines in entries]


def parse_gradescope_metadata(text: str) -> GradescopeMetadata:
    """``submission_metadata.yml`` of a Gradescope export, read with ``yaml.safe_load``::

        submission_123:
          :submitters:
          - :name: Ana Silva
            :sid: '2024001'
            :email: ana@example.org
          :created_at: ...

    Never raises for what the file says. When the file is not valid YAML, each top-level entry
    is loaded on its own, so that a broken entry costs only its own submission: it is listed in
    ``malformed`` with the line and the reason."""
    meta = GradescopeMetadata({}, {})
    try:
        _add_document(meta, yaml.safe_load(text))
        return meta
    except _LOAD_ERRORS as whole:
        meta.submitters.clear()
        meta.malformed.clear()
        entries = _top_level_entries(text)
        if not entries:
            meta.malformed[""] = _load_error(whole)
        for first_line, entry in entries:
            folder = entry.split(":", 1)[0].strip().strip("'\"")
            try:
                data = yaml.safe_load(entry)
            except _LOAD_ERRORS as exc:
                meta.malformed[folder] = _load_error(exc, first_line)
                continue
            if isinstance(data, dict):
                _add_document(meta, data)
            else:
                meta.malformed[folder] = msg("batch_gs_not_folder_entry", line=first_line + 1)
    return meta


def _scan_gradescope(s: _Scan, entries: list[Path]) -> None:
    meta_path = s.root / GRADESCOPE_METADATA
    try:
        meta = parse_gradescope_metadata(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchError(msg("batch_gs_unreadable", path=str(meta_path), error=str(exc)),
                         fix=msg("batch_gs_unreadable_fix")) from exc
    folders = {e.name: e for e in entries if e.is_dir()}
    whole = meta.malformed.get("")
    for e in entries:
        if e.name == GRADESCOPE_METADATA:
            continue
        if whole is not None:
            s.problem(e, "unparseable_name", msg("batch_gs_unusable", file=GRADESCOPE_METADATA, why=whole))
        elif e.name in meta.malformed:
            s.problem(e, "unparseable_name",
                      msg("batch_gs_entry_malformed", file=GRADESCOPE_METADATA, why=meta.malformed[e.name]))
        elif e.name not in meta.submitters:
            s.problem(e, "unparseable_name", msg("batch_gs_not_listed", file=GRADESCOPE_METADATA))
    for name, why in meta.malformed.items():
        if name and name not in folders:
            s.problems.append(Problem(f"{s.label}{GRADESCOPE_METADATA}", "unparseable_name",
                                      msg("batch_gs_entry_no_folder", entry=repr(name), why=why)))
    for name, submitters in meta.submitters.items():
        folder = folders.get(name)
        if folder is None:
            s.problems.append(Problem(f"{s.label}{name}", "no_notebook",
                                      msg("batch_gs_folder_missing", file=GRADESCOPE_METADATA)))
            continue
        if not submitters:
            s.problem(folder, "unparseable_name", msg("batch_gs_no_submitters", file=GRADESCOPE_METADATA))
        for sub in submitters:
            sid = sub.get("sid", "") or sub.get("email", "")
            if not sid:
                s.problem(folder, "unparseable_name",
                          msg("batch_gs_no_sid", submitter=repr(sub.get("name", "?"))))
                continue
            student = Student(id=sid, name=sub.get("name", ""), email=sub.get("email", ""),
                              source="gradescope")
            s.claim(student, folder, _files_in(folder), submitted_at=meta.created_at.get(name, ""))


def _choose(s: _Scan, layout: str) -> list[FoundSubmission]:
    found = []
    for c in s.claims.values():
        who = f"{c.student.name} ({c.student.id})" if c.student.name else c.student.id
        if not c.notebooks:
            entry = min(c.entries)
            others = ", ".join(f.name for f in c.other_files[:5])
            s.problem(entry, "no_notebook", msg("batch_no_notebook", who=who, found=others) if others
                      else msg("batch_no_notebook_nothing", who=who))
            continue
        ranked = sorted(c.notebooks, key=lambda ne: (ne[0].stat().st_mtime, str(ne[0])), reverse=True)
        chosen, chosen_entry = ranked[0]
        for nb, entry in ranked[1:]:
            # several files in one entry, or several entries (folders, files) naming the same student
            kind: ProblemKind = "multiple_notebooks" if entry == chosen_entry else "duplicate_student"
            s.problem(nb, kind, msg("batch_several_notebooks", who=who, n=len(ranked),
                                    chosen=s.where(chosen)))
        found.append(FoundSubmission(c.student, chosen, layout, s.where(chosen), c.late, c.submitted_at,
                                     c.members))
    return sorted(found, key=lambda f: f.student.id)


def discover(path: Path, *, extract_to: Path | None = None,
             max_bytes: int = MAX_EXTRACT_BYTES, moodle: MoodleInfo | None = None) -> Discovery:
    """Find the submissions in ``path``: a folder, a .zip (extracted into ``extract_to``, or a new
    temporary folder that the caller removes) or a single notebook. ``moodle``: what the grading
    worksheet says (team members, submission times; ``moodle_info``)."""
    path = Path(path)
    if not path.exists():
        raise BatchError(msg("batch_no_submissions", path=str(path)), fix=msg("batch_no_submissions_fix"))
    extracted = None
    problems: tuple[Problem, ...] = ()
    if path.is_file() and path.suffix.lower() == ".ipynb":
        student = Student(id=path.stem, source="filename")
        return Discovery((FoundSubmission(student, path, "plain", str(path)),), (), "plain", path.parent)
    if path.is_file():
        extracted = Path(extract_to) if extract_to else Path(tempfile.mkdtemp(prefix="autograder-batch-"))
        problems = extract_zip(path, extracted, max_bytes=max_bytes)
        base, label = extracted, f"{path.name}:"
    else:
        base, label = path, f"{path}/"
    root = _unwrap(base)
    scan = _Scan(root, label + (f"{root.relative_to(base).as_posix()}/" if root != base else ""))
    entries = _visible(root)
    layout = _layout_of(root, entries)
    if layout == "moodle":
        _scan_moodle(scan, entries, moodle)
    else:
        {"gradescope": _scan_gradescope, "canvas": _scan_canvas, "plain": _scan_plain}[layout](scan, entries)
    found = _choose(scan, layout)
    return Discovery(tuple(found), problems + tuple(scan.problems), layout, root, extracted)
