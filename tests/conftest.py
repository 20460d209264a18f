"""Shared fixtures: the offline datasets in a private Keras cache, the repository paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autograder import data

REPO = Path(__file__).resolve().parents[1]

# The CLI speaks $AUTOGRADER_LANG, else the assignment's language (pt for both installed ones).
# The tests read its lines in English unless they set it (tests/test_catalogue.py reads them in pt);
# what students read (reports, exports) does not depend on it.
os.environ["AUTOGRADER_LANG"] = "en"


def data_source() -> Path:
    """Where the Keras dataset files are: $AUTOGRADER_DATA, else ../shared/data beside the repo,
    else the Keras cache that ``bash setup.sh`` filled and verified (where Keras downloaded them
    on a machine without ../shared)."""
    if os.environ.get("AUTOGRADER_DATA"):
        return Path(os.environ["AUTOGRADER_DATA"])
    shared = REPO.parent / "shared" / "data"
    return shared if shared.is_dir() else data.keras_cache_dir()


@pytest.fixture(scope="session")
def keras_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private KERAS_HOME with verified copies of the datasets; set for the whole session."""
    src = data_source()
    if not (src / "boston_housing.npz").is_file():
        pytest.fail(f"dataset files not found in {src}: run `bash setup.sh`, or set AUTOGRADER_DATA to "
                    "a folder holding boston_housing.npz and fashion-mnist/*.gz")
    home = tmp_path_factory.mktemp("keras_home")
    data.install_from(src, cache=home / "datasets")
    os.environ["KERAS_HOME"] = str(home)
    return home


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def executed_solution_smoke(tmp_path_factory: pytest.TempPathFactory, keras_home: Path) -> Path:
    """The smoke-profile solution notebook, executed by a real kernel the way a student runs it
    (outputs saved, so the self-check's recorded values are in the file)."""
    import nbformat
    from nbclient import NotebookClient

    from autograder.authoring import notebook
    from tests.common import CNN, SMOKE

    nb = notebook(CNN, "solution", SMOKE)
    workdir = tmp_path_factory.mktemp("solution_run")
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(workdir)}}).execute()
    path = workdir / "solution_executed.ipynb"
    nbformat.write(nb, path)
    return path
