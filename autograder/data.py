"""Offline and online datasets: install the Keras files into the Keras cache, verified by sha256.

Students' unchanged ``keras.datasets.boston_housing.load_data()`` and
``keras.datasets.fashion_mnist.load_data()`` calls read from ``$KERAS_HOME/datasets``
(default ``~/.keras/datasets``); once the files are there, Keras downloads nothing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import DatasetError


@dataclass(frozen=True)
class DatasetFile:
    """One file Keras expects in its cache, relative to ``datasets/``."""

    dataset: str
    relpath: str
    size: int
    sha256: str


DATASET_FILES: tuple[DatasetFile, ...] = (
    DatasetFile(
        "boston_housing",
        "boston_housing.npz",
        57026,
        "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5",
    ),
    DatasetFile(
        "fashion_mnist",
        "fashion-mnist/train-images-idx3-ubyte.gz",
        26421880,
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    ),
    DatasetFile(
        "fashion_mnist",
        "fashion-mnist/train-labels-idx1-ubyte.gz",
        29515,
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    ),
    DatasetFile(
        "fashion_mnist",
        "fashion-mnist/t10k-images-idx3-ubyte.gz",
        4422102,
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    ),
    DatasetFile(
        "fashion_mnist",
        "fashion-mnist/t10k-labels-idx1-ubyte.gz",
        5148,
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    ),
)

DATASETS = tuple(sorted({f.dataset for f in DATASET_FILES}))
FIX_OFFLINE = "`autograder data install --from DIR` (DIR holds the Keras files, e.g. ../shared/data)"
FIX_ONLINE = "`autograder data install` (downloads through Keras; needs internet)"


def keras_cache_dir(environ: dict[str, str] | None = None) -> Path:
    """The folder Keras reads datasets from: ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``."""
    env = os.environ if environ is None else environ
    home = env.get("KERAS_HOME")
    base = Path(home) if home else Path(env.get("HOME", str(Path.home()))) / ".keras"
    return base / "datasets"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def files_for(datasets: Iterable[str]) -> tuple[DatasetFile, ...]:
    wanted = set(datasets)
    unknown = wanted - set(DATASETS)
    if unknown:
        raise DatasetError(
            f"Unknown dataset(s): {', '.join(sorted(unknown))}.",
            fix=f"Choose among: {', '.join(DATASETS)}.",
        )
    return tuple(f for f in DATASET_FILES if f.dataset in wanted)


def problem_with(path: Path, spec: DatasetFile) -> str | None:
    """A sentence saying what is wrong with ``path`` as a copy of ``spec``, or None if it is good."""
    if not path.is_file():
        return f"{spec.relpath} is missing (looked for {path})"
    size = path.stat().st_size
    if size != spec.size:
        return (
            f"{spec.relpath} has {size} bytes, expected {spec.size} "
            f"(sha256 {spec.sha256}); the file is truncated or not the Keras file"
        )
    digest = sha256_of(path)
    if digest != spec.sha256:
        return f"{spec.relpath} has sha256 {digest}, expected {spec.sha256}; the file is corrupt"
    return None


def verify_cache(datasets: Iterable[str] = DATASETS, cache: Path | None = None) -> Path:
    """Check every file of ``datasets`` in the Keras cache; raise one clear error listing all problems."""
    cache = keras_cache_dir() if cache is None else cache
    problems = [p for f in files_for(datasets) if (p := problem_with(cache / f.relpath, f))]
    if problems:
        raise DatasetError(
            "The Keras dataset cache is not ready:\n  - " + "\n  - ".join(problems),
            where=str(cache),
            fix=f"run {FIX_OFFLINE} to copy verified files, or {FIX_ONLINE}.",
        )
    return cache


def install_from(
    source: Path,
    datasets: Iterable[str] = DATASETS,
    cache: Path | None = None,
    log: Callable[[str], None] = lambda _m: None,
) -> Path:
    """Copy the dataset files from ``source`` into the Keras cache, verifying each sha256.

    ``source`` is laid out like the cache (``boston_housing.npz``, ``fashion-mnist/*.gz``).
    Files already in the cache with the right checksum are left alone. Nothing corrupt is copied.
    """
    cache = keras_cache_dir() if cache is None else cache
    wanted = files_for(datasets)
    problems = [p for f in wanted if (p := problem_with(source / f.relpath, f))]
    if problems:
        raise DatasetError(
            "Cannot install datasets from this folder:\n  - " + "\n  - ".join(problems),
            where=str(source),
            fix="point --from at a folder with byte-identical copies of the Keras files "
            f"(see the table in README.md), or run {FIX_ONLINE}.",
        )
    for f in wanted:
        dest = cache / f.relpath
        if problem_with(dest, f) is None:
            log(f"ok      {f.relpath} (already in {cache})")
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".part")
        shutil.copyfile(source / f.relpath, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
        log(f"copied  {f.relpath} -> {dest}")
    return verify_cache(datasets, cache)


def download(datasets: Iterable[str] = DATASETS, cache: Path | None = None) -> Path:
    """Let Keras download the datasets (needs internet), then verify them."""
    wanted = set(datasets)
    files_for(wanted)
    try:
        import keras

        if "boston_housing" in wanted:
            keras.datasets.boston_housing.load_data()
        if "fashion_mnist" in wanted:
            keras.datasets.fashion_mnist.load_data()
    except Exception as exc:  # network errors come in many types
        raise DatasetError(
            f"Keras could not download the datasets: {type(exc).__name__}: {exc}",
            fix=f"without internet, run {FIX_OFFLINE}.",
        ) from exc
    return verify_cache(wanted, cache)


def default_source() -> Path | None:
    """A local folder of dataset files, from ``$AUTOGRADER_DATA``, if it is set."""
    value = os.environ.get("AUTOGRADER_DATA")
    return Path(value) if value else None
