"""Offline and online datasets: install the Keras files into the Keras cache, verified by sha256.

The engine knows no dataset: each assignment declares the files its notebooks read
(``[datasets.<name>]`` in its ``assignment.toml``: path relative to the cache, size, sha256, and
optionally the ``loader`` module whose ``load_data()`` downloads it). Students' unchanged
``keras.datasets.<name>.load_data()`` calls read from ``$KERAS_HOME/datasets`` (default
``~/.keras/datasets``); once the files are there, Keras downloads nothing.

Every function takes the datasets explicitly: an ``Assignment``, or an iterable of ``Dataset`` /
``DatasetFile`` (``autograder.assignment``); ``None`` means the datasets of every installed
assignment (``autograder.assignment.all_installed()``).
"""

from __future__ import annotations

import importlib
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from autograder.assignment import Assignment, Dataset, DatasetFile, all_installed
from autograder.errors import DatasetError
from autograder.fsutil import sha256_file
from autograder.i18n import Echo, Msg, bullets, msg

Datasets = Assignment | Iterable[Dataset | DatasetFile] | None

FIX_OFFLINE = msg("data_fix_offline")  # the command that installs from a folder, and what DIR is
FIX_ONLINE = msg("data_fix_online")  # the command that downloads through Keras



def keras_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The folder Keras reads datasets from: ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``."""
    env = os.environ if environ is None else environ
    home = env.get("KERAS_HOME")
    base = Path(home) if home else Path(env.get("HOME", str(Path.home()))) / ".keras"
    return base / "datasets"


sha256_of = sha256_file  # the one sha256 helper, under the name this module has always used


# ---- which datasets -----------------------------------------------------------------------------

def datasets_of(source: Datasets = None) -> tuple[Dataset, ...]:
    """The datasets ``source`` stands for, one per name (files of the same name merged).

    Two declarations of the same file with different checksums are an error: the cache can
    hold only one of them."""
    if source is None:
        items: list[Dataset | DatasetFile] = [d for a in all_installed() for d in a.datasets]
    elif isinstance(source, Assignment):
        items = list(source.datasets)
    else:
        items = list(source)
    files: dict[str, dict[str, DatasetFile]] = {}
    loaders: dict[str, str] = {}
    for item in items:
        if isinstance(item, Dataset):
            name, its_files = item.name, item.files
            loaders[name] = loaders.get(name) or item.loader
        else:
            name, its_files = item.dataset, (item,)
        by_path = files.setdefault(name, {})
        for f in its_files:
            seen = by_path.get(f.relpath)
            if seen is not None and (seen.sha256, seen.size) != (f.sha256, f.size):
                raise DatasetError(
                    msg("data_declared_twice", name=name, relpath=f.relpath, first=seen.sha256,
                        second=f.sha256),
                    fix=msg("data_declared_twice_fix"))
            by_path[f.relpath] = f
    return tuple(Dataset(name, tuple(fs.values()), loaders.get(name, "")) for name, fs in files.items())


def select(datasets: Iterable[Dataset], names: Iterable[str]) -> tuple[Dataset, ...]:
    """Only the datasets named ``names`` (all of them when ``names`` is empty)."""
    datasets = tuple(datasets)
    wanted = set(names)
    if not wanted:
        return datasets
    known = {d.name for d in datasets}
    unknown = wanted - known
    if unknown:
        raise DatasetError(
            msg("data_unknown", names=", ".join(sorted(unknown))),
            fix=msg("data_unknown_fix", known=", ".join(sorted(known)) or msg("data_none_declared")),
        )
    return tuple(d for d in datasets if d.name in wanted)


def resolve(assignment: str | Path | None = None, names: Iterable[str] = ()) -> tuple[Dataset, ...]:
    """The datasets of the assignment ``assignment`` (installed name or folder; None: every
    installed assignment), only those named ``names`` when given. For the command line."""
    from autograder.assignment import load_assignment

    return select(datasets_of(load_assignment(assignment) if assignment else None), names)


def files_of(source: Datasets = None) -> tuple[DatasetFile, ...]:
    """Every file of the datasets ``source`` stands for."""
    return tuple(f for d in datasets_of(source) for f in d.files)


# ---- checking and installing --------------------------------------------------------------------

def problem_with(path: Path, spec: DatasetFile) -> Msg | None:
    """A sentence saying what is wrong with ``path`` as a copy of ``spec``, or None if it is good."""
    if not path.is_file():
        return msg("data_file_missing", relpath=spec.relpath, path=str(path))
    size = path.stat().st_size
    if size != spec.size:
        return msg("data_file_size", relpath=spec.relpath, size=size, expected=spec.size, sha256=spec.sha256)
    digest = sha256_of(path)
    if digest != spec.sha256:
        return msg("data_file_sha256", relpath=spec.relpath, sha256=digest, expected=spec.sha256)
    return None


def verify_cache(datasets: Datasets = None, cache: Path | None = None) -> Path:
    """Check every file of ``datasets`` in the Keras cache; raise one clear error listing all problems.

    ``datasets``: an Assignment, Datasets or DatasetFiles; None = every installed assignment's."""
    cache = keras_cache_dir() if cache is None else cache
    problems = [p for f in files_of(datasets) if (p := problem_with(cache / f.relpath, f))]
    if problems:
        raise DatasetError(
            msg("data_cache_not_ready", problems=bullets(problems)),
            where=str(cache),
            fix=msg("data_cache_not_ready_fix", offline=FIX_OFFLINE, online=FIX_ONLINE),
        )
    return cache


def install_from(
    source: Path,
    datasets: Datasets = None,
    cache: Path | None = None,
    log: Echo = lambda _m: None,
) -> Path:
    """Copy the dataset files from ``source`` into the Keras cache, verifying each sha256.

    ``source`` is laid out like the cache (each file at its declared path).
    Files already in the cache with the right checksum are left alone. Nothing corrupt is copied.
    ``log`` is told each file, copied or already there.
    """
    cache = keras_cache_dir() if cache is None else cache
    wanted = files_of(datasets)
    problems = [p for f in wanted if (p := problem_with(source / f.relpath, f))]
    if problems:
        raise DatasetError(
            msg("data_source_not_ready", problems=bullets(problems)),
            where=str(source),
            fix=msg("data_source_not_ready_fix", online=FIX_ONLINE),
        )
    for f in wanted:
        dest = cache / f.relpath
        if problem_with(dest, f) is None:
            log(msg("data_already_there", relpath=f.relpath, cache=str(cache)))
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".part")
        shutil.copyfile(source / f.relpath, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
        log(msg("data_copied", relpath=f.relpath, dest=str(dest)))
    return verify_cache(wanted, cache)


def download(datasets: Datasets = None, cache: Path | None = None) -> Path:
    """Let Keras download the datasets through their ``loader`` (needs internet), then verify."""
    wanted = datasets_of(datasets)
    no_loader = [d.name for d in wanted if not d.loader]
    if no_loader:
        raise DatasetError(msg("data_no_loader", names=", ".join(no_loader)),
                           fix=msg("data_run_offline", offline=FIX_OFFLINE))
    for d in wanted:
        try:
            importlib.import_module(d.loader).load_data()
        except Exception as exc:  # network errors come in many types
            raise DatasetError(
                msg("data_download_failed", name=d.name, error=type(exc).__name__, detail=str(exc)),
                fix=msg("data_download_failed_fix", offline=FIX_OFFLINE),
            ) from exc
    return verify_cache(wanted, cache)


def default_source() -> Path | None:
    """A local folder of dataset files, from ``$AUTOGRADER_DATA``, if it is set."""
    value = os.environ.get("AUTOGRADER_DATA")
    return Path(value) if value else None
