"""Reference solutions: the sheet's exact numbers, parameter counts, profiles, reproducible seeding."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assignments.cnn_treinamento.reference import ex01_losses, ex03_init_losses
from assignments.cnn_treinamento.reference.ex08_batch_size import (
    epochs_for,
    supported_letters,
    two_best_two_worst,
)
from autograder.assignment import Assignment, load_assignment

REPO = Path(__file__).resolve().parents[1]
FOLDER = REPO / "assignments" / "cnn_treinamento"
SHEET_Y_HAT = [0.133, 0.178, 0.325, 0.433, 0.49, 0.547, 0.576, 0.682, 0.792, 0.843]


@pytest.fixture(scope="module")
def cnn() -> Assignment:
    return load_assignment(FOLDER)


def test_ex1_reproduces_the_sheet() -> None:
    r = ex01_losses.run()
    means = r["reference"]["means"]
    assert [round(means[k], 4) for k in ("loss_qu", "loss_ec", "loss_01", "loss_hi")] == \
        [0.1421, 0.4487, 0.2, 0.6805]
    assert np.round(r["reference"]["y_hat"], 3).tolist() == SHEET_Y_HAT
    assert r["reference"]["order_smallest_first"] == ["loss_qu", "loss_01", "loss_ec", "loss_hi"]


def test_ex1_records_the_wrong_variants() -> None:
    r = ex01_losses.run()
    assert round(r["variants"]["hinge_01_labels"]["means"]["loss_hi"], 4) == 0.8403
    # the default lbfgs tolerance stops early: 0.177 where the sheet prints 0.178
    assert round(r["variants"]["default_tolerance"]["y_hat"][1], 3) == 0.177


def test_ex1_records_the_mistakes_a_ta_names() -> None:
    var = ex01_losses.run()["variants"]
    assert var["predict_instead_of_proba"]["y_hat"] == [0.0] * 5 + [1.0] * 5, "predict gives labels"
    assert round(var["proba_of_class_0"]["y_hat"][0], 3) == round(1 - SHEET_Y_HAT[0], 3)
    ref = ex01_losses.run()["reference"]["per_instance"]["loss_ec"]
    log2 = var["log_base_2"]["per_instance"]["loss_ec"]
    assert np.allclose(np.array(log2) * np.log(2), ref), "the same loss in another base"


def test_ex3_is_exact() -> None:
    r = ex03_init_losses.run()
    assert r["reference"]["loss_ec"] == 1.6093879136840585
    assert r["reference"]["loss_qu"] == 0.8000000000000002
    assert round(r["variants"]["mean_instead_of_sum"]["loss_ec"], 2) == 0.32
    assert round(r["variants"]["mean_instead_of_sum"]["loss_qu"], 2) == 0.16


def test_ex8_epochs_and_ranking_rules() -> None:
    assert [epochs_for(b) for b in (2, 4, 8, 16, 32, 64, 128, 256)] == list(range(10, 18))
    sheet = {2: 22.4658, 4: 19.1443, 8: 23.9285, 16: 21.6256, 32: 25.3148, 64: 23.7474,
             128: 30.6913, 256: 129.7601}
    assert two_best_two_worst(sheet)["best"] == [4, 16]
    assert two_best_two_worst(sheet)["worst"] == [128, 256]
    assert supported_letters(sheet) == ["a"]


def test_profiles_are_the_sheets_settings_and_the_smoke_ones(cnn: Assignment) -> None:
    full, smoke = cnn.profile("full"), cnn.profile("smoke")
    assert (full.ex7_epochs, full.ex8_batches, full.ex10_train_images, full.ex10_epochs,
            full.ex10_batch_size) == (50, (2, 4, 8, 16, 32, 64, 128, 256), 800, 100, 64)
    assert full.ex10_test_images == 0, "0 stands for all test images (TOML has no null)"
    assert (smoke.ex7_epochs, smoke.ex8_batches, smoke.ex10_train_images, smoke.ex10_epochs,
            smoke.ex10_batch_size, smoke.ex10_test_images) == (4, (32, 64, 128, 256), 128, 6, 8, 256)


def test_hooks_dispatch_to_the_reference_modules(cnn: Assignment) -> None:
    from autograder.sdk import RunSpec, silent

    r = cnn.hooks.run_reference(cnn, RunSpec("ex3", "deterministic", 0), cnn.profile("smoke"), silent)
    assert r == ex03_init_losses.run()


def test_reference_code_uses_only_the_sdk_from_the_engine() -> None:
    import ast

    for path in [*(FOLDER / "reference").glob("*.py"), FOLDER / "keyrules.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert not node.module.startswith("autograder") or node.module == "autograder.sdk", \
                    f"{path.name} imports {node.module}"
                assert not node.module.startswith(("reference", "assignments")), \
                    f"{path.name}: use relative imports inside the assignment"


def test_ex3_records_other_logarithms_and_sums() -> None:
    var = ex03_init_losses.run()["variants"]
    assert round(var["log_base_2"]["loss_ec"], 2) == 2.32 and round(var["log_base_10"]["loss_ec"], 3) == 0.699
    assert round(var["binary_cross_entropy_terms"]["loss_ec"], 3) == 2.502
    assert round(var["quadratic_true_class_only"]["loss_qu"], 2) == 0.64


def test_schedules_are_the_ones_keras_logs() -> None:
    from assignments.cnn_treinamento.reference.boston import schedule

    recorded = json.loads((FOLDER / "keys" / "full" / "runs" / "ex7-deterministic-0.json").read_text())
    assert schedule(50, 10, 0.05, 0.02) == pytest.approx(recorded["B"]["history"]["learning_rate"], rel=1e-6)
    assert schedule(3, 0, 0.05, 0.02) == pytest.approx([0.019, 0.0181, 0.0172])
    assert schedule(12, 10, 0.05, 0.02, rounded=False)[-1] == pytest.approx(0.02 * np.exp(-0.1))


@pytest.mark.training
def test_variants_are_computed_by_running_them(cnn: Assignment, keras_home: Path) -> None:
    from assignments.cnn_treinamento.reference import ex07_adam_decay, ex08_batch_size, ex10_inception_resnet

    full = cnn.profile("full")
    v7 = ex07_adam_decay.variants(full)
    assert v7["networks"]["wider_network"]["params"] == 993
    assert v7["networks"]["linear_output"]["layers"][-1]["activation"] == "linear"
    assert round(v7["zero_predictor"]["test_mse"], 2) == 615.86
    assert v7["learning_rate"]["decay_start_off_by_one"][10:12] == [0.02, 0.019]
    v8 = ex08_batch_size.variants(full)
    assert v8["final_learning_rate"]["scheduler_not_passed"] == 0.02
    assert v8["epochs"]["epochs_without_512"]["256"] == 8
    v10 = ex10_inception_resnet.variants(full)
    assert v10["networks"]["residual_without_projection"]["params"] == 186058 - 128
    assert v10["steps"]["trained_on_all_images"] == 938


@pytest.mark.training
def test_parameter_counts() -> None:
    from assignments.cnn_treinamento.reference.boston import dense_network
    from assignments.cnn_treinamento.reference.ex10_inception_resnet import inception_net, res_net

    assert dense_network(13).count_params() == 369
    assert inception_net().count_params() == 196154
    assert res_net().count_params() == 186058


def _run_in_fresh_process(tmp: Path, name: str, exercise: str, keras_home: Path | None = None) -> dict:
    out = tmp / f"{name}.json"
    env = {**os.environ, **({"KERAS_HOME": str(keras_home)} if keras_home else {})}
    subprocess.run([sys.executable, "-m", "autograder.keyrun", "--assignment", str(FOLDER),
                    "--exercise", exercise, "--profile", "smoke", "--seeding", "deterministic",
                    "--index", "0", "--out", str(out)],
                   check=True, capture_output=True, env=env)
    return json.loads(out.read_text())


def test_keyrun_writes_the_run_with_its_metadata(tmp_path: Path) -> None:
    r = _run_in_fresh_process(tmp_path, "ex3", "ex3")
    assert r["reference"] == ex03_init_losses.run()["reference"]
    assert (r["profile"], r["seeding"]) == ("smoke", "deterministic")
    assert r["wall_seconds"] >= 0 and "tensorflow" in r["environment"]
    assert not list(tmp_path.glob("*.part")), "written atomically"


def test_keyrun_refuses_an_exercise_the_assignment_does_not_compute(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "autograder.keyrun", "--assignment", str(FOLDER),
                           "--exercise", "nope", "--out", str(tmp_path / "x.json")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "is not computed" in proc.stderr
    assert not (tmp_path / "x.json").exists()


@pytest.mark.training
def test_deterministic_seeding_is_identical_in_two_processes(tmp_path: Path, keras_home: Path) -> None:
    a = _run_in_fresh_process(tmp_path, "a", "ex7", keras_home)
    b = _run_in_fresh_process(tmp_path, "b", "ex7", keras_home)
    assert a["A"]["history"] == b["A"]["history"]
    assert a["B"]["history"] == b["B"]["history"]
    assert a["B"]["history"]["learning_rate"][0] == pytest.approx(0.02)
