"""The answer key: tolerance rule, drift verdicts, an end-to-end smoke build that resumes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder.environment import Environment, compatibility_warnings
from autograder.errors import KeyError_
from autograder.keyassemble import MSE_POLICY, BandPolicy, Run, band, drift_verdict, merge_intervals
from autograder.keymodel import key_from_dict, load_key


def test_band_is_a_union_around_each_mode_not_mean_plus_k_std() -> None:
    # three healthy runs near 22 and one dead-ReLU run at 586 (bimodal, as seen in exercise 8)
    values = [21.0, 22.5, 24.0, 586.0]
    dead = [False, False, False, True]
    intervals = band(values, dead, MSE_POLICY)
    assert len(intervals) == 2
    (lo1, hi1), (lo2, hi2) = intervals
    assert lo1 < 21.0 and hi1 > 24.0 and hi1 < 100, "healthy mode, not inflated by the dead run"
    assert lo2 < 586.0 < hi2, "the dead-ReLU mode is an honest outcome and stays accepted"
    inside = lambda v: any(lo <= v <= hi for lo, hi in intervals)  # noqa: E731
    assert not inside(300.0), "nothing between the modes"


def test_band_floors_apply_when_runs_agree() -> None:
    intervals = band([10.0, 10.0], [False, False], BandPolicy(rel=0.2, abs=0.5))
    assert intervals == [[8.0, 12.0]]
    ((lo, hi),) = band([0.001], [False], BandPolicy(rel=0.5, abs=0.05))
    assert (lo, hi) == pytest.approx((-0.049, 0.051))


def test_merge_intervals() -> None:
    assert merge_intervals([(5, 7), (1, 3), (2, 4)]) == [[1, 4], [5, 7]]


def test_drift_counts_runs_supporting_the_official_letter() -> None:
    runs = [Run(8, "deterministic", 0, {"supports": ["a"]}),
            Run(8, "sheet", 0, {"supports": ["a"]}),
            Run(8, "sheet", 1, {"supports": []})]
    d = drift_verdict(8, "a", runs)
    assert (d.status, d.runs_supporting_official, d.runs) == ("holds", 2, 3)
    d = drift_verdict(8, "a", [Run(8, "deterministic", 0, {"supports": ["b"]})])
    assert d.status == "does_not_hold" and d.letters_supported == {"b": 1}
    assert "supported by 0 of 1 runs" in d.summary


def test_key_environment_mismatch_warns_loudly() -> None:
    base = dict(python="3.11.7", tensorflow="2.21.0", keras="3.15.1", numpy="2.4.6",
                scikit_learn="1.9.1", platform="Linux", machine="x86_64", cpu="x")
    same = Environment(**base)
    other = Environment(**{**base, "tensorflow": "2.19.0"})
    assert compatibility_warnings(same, same) == []
    (w,) = compatibility_warnings(other, same)
    assert "tensorflow 2.19.0" in w and "Rebuild the key" in w


def test_bad_key_files_get_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(KeyError_, match="No answer key"):
        load_key(tmp_path / "nope.json")
    (tmp_path / "k.json").write_text("{not json")
    with pytest.raises(KeyError_, match="not valid JSON"):
        load_key(tmp_path / "k.json")
    with pytest.raises(KeyError_, match="not an answer key"):
        key_from_dict({"schema": "other"})


def test_committed_full_key_is_loadable_and_complete(repo: Path) -> None:
    path = repo / "keys" / "full" / "key.json"
    if not path.exists():
        pytest.fail("keys/full/key.json is not committed")
    key = load_key(path)
    assert key.profile == "full"
    assert key.runs["ex7"] >= 6 and key.runs["ex8"] >= 6 and key.runs["ex10"] >= 3
    assert key.quantity("ex10.Inception.params").value == 196154
    assert key.quantity("ex10.ResNet.params").value == 186058
    assert key.quantity("ex7.A.params").value == 369
    assert set(key.drift) == {"ex1", "ex3", "ex7", "ex8", "ex10"}
    assert (repo / "keys" / "full" / "report.md").read_text().count("sheet 2021") >= 1


@pytest.mark.training
@pytest.mark.slow
def test_smoke_key_build_end_to_end_and_resume(tmp_path: Path, keras_home: Path) -> None:
    from autograder.keybuild import build

    log: list[str] = []
    key = build("smoke", tmp_path, sheet_runs={7: 1, 8: 1, 10: 1}, progress=log.append)
    assert sum("running" in line for line in log) == 8  # 5 deterministic + 3 sheet-seeded
    assert any("ex10 ResNet: epoch 2/2" in line for line in log), "epoch progress is shown"
    assert key.quantity("ex1.mean.loss_hi").variants["hinge_01_labels"] == pytest.approx(0.8403, abs=1e-4)
    assert key.quantity("ex7.A.final.loss").spread["n"] == 2
    assert key.quantity("ex7.A.final.loss").tolerance["kind"] == "band"
    assert key.environment.tensorflow != "not installed"
    report = (tmp_path / "report.md").read_text()
    assert "Does each official answer still hold?" in report and "0.6805" in report
    on_disk = load_key(tmp_path / "key.json")
    assert on_disk.quantity("ex3.loss_ec").value == 1.6093879136840585

    # interrupted build: one run lost; re-running redoes only that one
    (tmp_path / "runs" / "ex08-sheet-0.json").unlink()
    log.clear()
    build("smoke", tmp_path, sheet_runs={7: 1, 8: 1, 10: 1}, progress=log.append)
    assert [line for line in log if line.endswith(": running")] == ["[7/8] ex08-sheet-0: running"]
    assert sum("already done" in line for line in log) == 7
    assert json.loads((tmp_path / "key.json").read_text())["runs"]["ex8"] == 2
