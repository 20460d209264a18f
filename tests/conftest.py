"""Shared fixtures: the offline datasets in a private Keras cache, the repository paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autograder import data

REPO = Path(__file__).resolve().parents[1]


def data_source() -> Path:
    """Where the Keras dataset files are: $AUTOGRADER_DATA, else ../shared/data beside the repo."""
    return Path(os.environ.get("AUTOGRADER_DATA") or REPO.parent / "shared" / "data")


@pytest.fixture(scope="session")
def keras_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private KERAS_HOME with verified copies of the datasets; set for the whole session."""
    src = data_source()
    if not (src / "boston_housing.npz").is_file():
        pytest.fail(f"dataset files not found in {src}: set AUTOGRADER_DATA to a folder holding "
                    "boston_housing.npz and fashion-mnist/*.gz")
    home = tmp_path_factory.mktemp("keras_home")
    data.install_from(src, cache=home / "datasets")
    os.environ["KERAS_HOME"] = str(home)
    return home


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
