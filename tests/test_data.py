"""Datasets: verified install into the Keras cache, and the messages when files are bad."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder import data
from autograder.errors import DatasetError
from tests.conftest import data_source


def test_install_copies_and_verifies_every_file(tmp_path: Path) -> None:
    cache = tmp_path / "datasets"
    data.install_from(data_source(), cache=cache)
    for f in data.DATASET_FILES:
        assert data.sha256_of(cache / f.relpath) == f.sha256
    # a second install reuses what is there
    logs: list[str] = []
    data.install_from(data_source(), cache=cache, log=logs.append)
    assert all(line.startswith("ok") for line in logs)


def test_corrupt_source_names_file_checksum_and_fix(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(data_source(), src)
    target = src / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz"
    target.chmod(0o644)
    raw = bytearray(target.read_bytes())
    raw[100] ^= 0xFF  # same size, different content
    target.write_bytes(bytes(raw))
    with pytest.raises(DatasetError) as err:
        data.install_from(src, cache=tmp_path / "cache" / "datasets")
    msg = err.value.message()
    assert "fashion-mnist/t10k-labels-idx1-ubyte.gz" in msg
    assert "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5" in msg
    assert "point --from at a folder with byte-identical copies" in msg
    assert "http" not in msg  # never a Keras traceback about a URL
    assert not (tmp_path / "cache" / "datasets" / "boston_housing.npz").exists(), "nothing copied"


def test_missing_cache_lists_every_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DatasetError) as err:
        data.verify_cache(cache=tmp_path / "empty")
    msg = err.value.message()
    for f in data.DATASET_FILES:
        assert f.relpath in msg
    assert err.value.exit_code == 3


def test_truncated_file_says_size(tmp_path: Path) -> None:
    cache = tmp_path / "datasets"
    cache.mkdir()
    (cache / "boston_housing.npz").write_bytes(b"x" * 10)
    with pytest.raises(DatasetError, match="has 10 bytes, expected 57026"):
        data.verify_cache(["boston_housing"], cache=cache)


def test_keras_home_is_respected(tmp_path: Path) -> None:
    assert data.keras_cache_dir({"KERAS_HOME": str(tmp_path)}) == tmp_path / "datasets"
    assert data.keras_cache_dir({"HOME": "/home/x"}) == Path("/home/x/.keras/datasets")


def test_cli_verify_fails_with_exit_3(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from autograder.cli import main

    result = CliRunner().invoke(main, ["data", "verify"], env={"KERAS_HOME": str(tmp_path)})
    assert result.exit_code == 3
    assert "autograder data install --from DIR" in result.output
