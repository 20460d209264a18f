"""Datasets: verified install into the Keras cache, and the messages when files are bad.

The engine names no dataset: the files and checksums come from the assignments' manifests."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from autograder import data
from autograder.assignment import Assignment, Dataset, DatasetFile, load_assignment
from autograder.errors import DatasetError
from autograder.i18n import Msg
from tests.conftest import data_source

REPO = Path(__file__).resolve().parents[1]
FOLDER = REPO / "assignments" / "cnn_treinamento"


@pytest.fixture(scope="module")
def cnn() -> Assignment:
    return load_assignment(FOLDER)


def test_install_copies_and_verifies_every_file(tmp_path: Path, cnn: Assignment) -> None:
    cache = tmp_path / "datasets"
    data.install_from(data_source(), cnn, cache=cache)
    files = data.files_of(cnn)
    assert len(files) == sum(len(d.files) for d in cnn.datasets) > 0
    for f in files:
        assert data.sha256_of(cache / f.relpath) == f.sha256
    # a second install reuses what is there
    logs: list[Msg] = []
    data.install_from(data_source(), cnn, cache=cache, log=logs.append)
    assert logs and all(m.id == "data_already_there" and m.text("en").startswith("ok") for m in logs)


def test_corrupt_source_names_file_checksum_and_fix(tmp_path: Path, cnn: Assignment) -> None:
    src = tmp_path / "src"
    shutil.copytree(data_source(), src)
    victim = data.files_of(cnn)[-1]
    target = src / victim.relpath
    target.chmod(0o644)
    raw = bytearray(target.read_bytes())
    raw[100] ^= 0xFF  # same size, different content
    target.write_bytes(bytes(raw))
    with pytest.raises(DatasetError) as err:
        data.install_from(src, cnn, cache=tmp_path / "cache" / "datasets")
    msg = err.value.message()
    assert victim.relpath in msg and victim.sha256 in msg
    assert "point --from at a folder with byte-identical copies" in msg
    assert "http" not in msg  # never a Keras traceback about a URL
    assert not (tmp_path / "cache" / "datasets" / data.files_of(cnn)[0].relpath).exists(), \
        "nothing copied"


def test_missing_cache_lists_every_missing_file(tmp_path: Path, cnn: Assignment) -> None:
    with pytest.raises(DatasetError) as err:
        data.verify_cache(cnn, cache=tmp_path / "empty")
    msg = err.value.message()
    for f in data.files_of(cnn):
        assert f.relpath in msg
    assert err.value.exit_code == 3


def test_truncated_file_says_size(tmp_path: Path, cnn: Assignment) -> None:
    cache = tmp_path / "datasets"
    cache.mkdir()
    (one,) = data.select(cnn.datasets, [cnn.datasets[0].name])
    f = one.files[0]
    (cache / f.relpath).parent.mkdir(parents=True, exist_ok=True)
    (cache / f.relpath).write_bytes(b"x" * 10)
    with pytest.raises(DatasetError, match=f"has 10 bytes, expected {f.size}"):
        data.verify_cache([one], cache=cache)
    with pytest.raises(DatasetError, match=f"has 10 bytes, expected {f.size}"):
        data.verify_cache([f], cache=cache)  # single files work too


def test_datasets_come_from_the_arguments_not_the_engine(tmp_path: Path) -> None:
    f = DatasetFile("toy", "toy/a.bin", 3, hashlib.sha256(b"abc").hexdigest())
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "a.bin").write_bytes(b"abc")
    assert data.verify_cache([Dataset("toy", (f,))], cache=tmp_path) == tmp_path
    assert data.verify_cache([], cache=tmp_path / "nothing") == tmp_path / "nothing", "nothing needed"
    # the same file declared twice (two assignments) is one file; different checksums are an error
    assert data.datasets_of([Dataset("toy", (f,)), f]) == (Dataset("toy", (f,)),)
    other = DatasetFile("toy", "toy/a.bin", 3, "0" * 64)
    with pytest.raises(DatasetError, match="declared twice with different files"):
        data.datasets_of([f, other])
    with pytest.raises(DatasetError, match="Unknown dataset"):
        data.select([Dataset("toy", (f,))], ["nope"])
    with pytest.raises(DatasetError, match="cannot be downloaded"):
        data.download([Dataset("toy", (f,))], cache=tmp_path)


def test_the_data_module_names_no_dataset(cnn: Assignment) -> None:
    source = Path(data.__file__).read_text(encoding="utf-8")
    for d in cnn.datasets:
        assert d.name not in source and (not d.loader or d.loader not in source)
        for f in d.files:
            assert f.relpath not in source and f.sha256 not in source


def test_keras_home_is_respected(tmp_path: Path) -> None:
    assert data.keras_cache_dir({"KERAS_HOME": str(tmp_path)}) == tmp_path / "datasets"
    assert data.keras_cache_dir({"HOME": "/home/x"}) == Path("/home/x/.keras/datasets")


def test_cli_verify_fails_with_exit_3(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from autograder.cli import main

    result = CliRunner().invoke(main, ["data", "verify", "--assignment", str(FOLDER)],
                                env={"KERAS_HOME": str(tmp_path)})
    assert result.exit_code == 3
    assert "autograder data install --from DIR" in result.output


def test_cli_install_then_verify_one_assignment(tmp_path: Path, cnn: Assignment) -> None:
    from click.testing import CliRunner

    from autograder.cli import main

    env = {"KERAS_HOME": str(tmp_path)}
    name = cnn.datasets[0].name
    result = CliRunner().invoke(main, ["data", "install", "--from", str(data_source()),
                                       "--assignment", str(FOLDER), "--dataset", name], env=env)
    assert result.exit_code == 0, result.output
    ok = CliRunner().invoke(main, ["data", "verify", "--assignment", str(FOLDER), "--dataset", name],
                            env=env)
    assert ok.exit_code == 0 and "verified" in ok.output
    unknown = CliRunner().invoke(main, ["data", "verify", "--assignment", str(FOLDER),
                                        "--dataset", "nope"], env=env)
    assert unknown.exit_code == 3 and "Unknown dataset" in unknown.output
