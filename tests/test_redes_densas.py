"""The second module, ``assignments/redes_densas``: a plug-in added without touching the engine.

Fast tests: the reference functions' exact numbers, the letters the student's own numbers
support, the committed keys and notebooks. Kernel tests: notebooks of the smoke profile through
the real pipeline (sandboxed Jupyter kernel, real Keras, the committed smoke key).
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest
from click.testing import CliRunner

from autograder.assignment import Assignment, Run, load_assignment
from autograder.cli import main
from autograder.results import load_result, validate

NAME = "redes_densas"


@pytest.fixture(scope="module")
def assignment() -> Assignment:
    return load_assignment(NAME)


@pytest.fixture(scope="module")
def smoke_key(assignment: Assignment) -> Path:
    return assignment.key_path("smoke")


def _ref(module: str) -> Any:
    import importlib

    return importlib.import_module(f"assignments.redes_densas.reference.{module}")


# ---- the plug-in as the engine sees it ------------------------------------------------------

def test_loads_as_a_plugin_with_its_own_data(assignment: Assignment) -> None:
    assert assignment.name == NAME and assignment.profile_names == ("full", "smoke")
    assert assignment.reference_exercises == ("ex1", "ex2", "ex4")
    assert assignment.training_exercises == ("ex4",)
    assert assignment.sheet_runs("full") == {"ex4": 5} and assignment.sheet_runs("smoke") == {"ex4": 2}
    assert assignment.datasets == ()  # make_moons: nothing to download
    contract = assignment.contract
    assert [e.points for e in contract.exercises] == [10.0] * 5 and contract.max_score == 50
    letters = {k: v["letter"] for k, v in assignment.answers()["answers"].items()}
    assert letters == {"1": "c", "2": "d", "3": "b", "4": "a", "5": "c"}
    assert [e.id for e in contract.exercises if not e.computed] == ["ex3", "ex5"]


def test_plugin_code_imports_only_the_sdk_from_the_engine(assignment: Assignment) -> None:
    import re

    for path in assignment.root.rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            m = re.match(r"\s*(?:from|import)\s+(autograder[\w.]*)", line)
            if m:
                assert m.group(1) == "autograder.sdk", f"{path.name}: {line.strip()}"


def test_every_misconception_and_plot_title_has_a_sentence(assignment: Assignment,
                                                          smoke_key: Path) -> None:
    messages = json.loads(assignment.path("messages.json").read_text(encoding="utf-8"))
    key = json.loads(smoke_key.read_text())
    ids = {v for q in key["quantities"].values() for v in q.get("variants", {})}
    ids |= {m.id for m in assignment.contract.error_misconceptions}
    assert ids == {"sigmoid_derivative_as_s", "tanh_derivative_not_squared",
                   "relu_derivative_one_at_zero", "he_limit_with_fan_out",
                   "normal_std_as_uniform_limit", "sgd_default_learning_rate",
                   "trained_on_validation_too", "lr_keyword"}
    titles = {p.title for e in ("ex4",) for p in assignment.plots(e)} | {"plot_bce"}
    for lang in ("pt", "en"):
        for mid in ids:
            assert messages[lang].get(f"misconception.{mid}"), (lang, mid)
        for t in titles:
            assert messages[lang].get(t), (lang, t)


# ---- reference functions: exact numbers -----------------------------------------------------

def test_ex1_activations_and_derivatives_are_exact() -> None:
    m = _ref("ex01_ativacoes")
    r = m.run()
    ref = r["reference"]
    assert r["z"] == [-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0]
    assert ref["a_sigmoide"][3] == 0.5 and ref["d_sigmoide"][3] == 0.25
    assert ref["d_sigmoide"][6] == pytest.approx(math.exp(-4) / (1 + math.exp(-4)) ** 2, rel=1e-12)
    assert ref["d_sigmoide"][6] == pytest.approx(0.017662706213291107, rel=1e-12)
    assert ref["a_tanh"][3] == 0.0 and ref["d_tanh"][3] == 1.0
    assert ref["d_tanh"][6] == pytest.approx(1 - math.tanh(4) ** 2, rel=1e-9)
    assert ref["d_tanh"][6] == pytest.approx(0.0013409506830258655, rel=1e-9)
    assert ref["d_tanh"][2] == pytest.approx(0.41997434161402614, rel=1e-12)
    assert ref["a_relu"] == [0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 4.0]
    assert ref["d_relu"] == [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    # the wrong variants the key records, computed (not typed in)
    var = r["variants"]
    assert var["sigmoid_derivative_as_s"]["d_sigmoide"] == ref["a_sigmoide"]
    assert var["tanh_derivative_not_squared"]["d_tanh"][0] == pytest.approx(1 + math.tanh(4))
    assert var["relu_derivative_one_at_zero"]["d_relu"] == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]
    # today's numbers support the official letter; the typical mistake supports distractor (a)
    assert r["supports"] == ["c"]
    assert r["variant_supports"] == {"sigmoid_derivative_as_s": ["a"]}


def test_ex2_initialisation_limits_and_simulation_are_exact() -> None:
    m = _ref("ex02_inicializacao")
    r = m.run()
    ref = r["reference"]
    assert ref["lim_glorot"] == 0.125  # sqrt(6 / 384)
    assert ref["lim_he"] == pytest.approx(math.sqrt(6 / 256), rel=1e-15)
    assert ref["lim_he"] == pytest.approx(0.15309310892394862, rel=1e-15)
    var = r["variants"]
    assert var["he_limit_with_fan_out"]["lim_he"] == pytest.approx(math.sqrt(6 / 128))
    assert var["normal_std_as_uniform_limit"]["lim_glorot"] == pytest.approx(math.sqrt(2 / 384))
    assert var["normal_std_as_uniform_limit"]["lim_he"] == pytest.approx(math.sqrt(2 / 256))
    g, h = ref["std_glorot"], ref["std_he"]
    assert len(g) == len(h) == 10
    assert g[0] == pytest.approx(0.5855486740497552, rel=1e-9)
    assert g[-1] == pytest.approx(0.026131458660590603, rel=1e-6)
    assert h[-1] == pytest.approx(0.8362066771388991, rel=1e-6)
    f = r["facts"]
    # Var(w) = L²/3: Glorot halves the variance per ReLU layer (std × 1/√2), He keeps it
    assert f["fator_glorot"] == pytest.approx(1 / math.sqrt(2), abs=0.01)
    assert f["fator_he"] == pytest.approx(1.0, abs=0.02)
    assert r["supports"] == ["d"]
    wrong = m.fatos(var["normal_std_as_uniform_limit"]["std_glorot"],
                    var["normal_std_as_uniform_limit"]["std_he"])
    assert m.supported_letters(wrong) == ["c"]  # a variance 3× too small looks like option (c)


def test_ex2_given_cell_simulation_is_the_reference_one(assignment: Assignment) -> None:
    """The notebook's given `propaga` and the reference's must compute the same numbers."""
    from autograder.authoring import notebook

    nb = notebook(assignment, "student", "smoke")
    src = next(c.source for c in nb.cells if c.metadata["autograder"]["id"] == "ex2-given-2")
    m = _ref("ex02_inicializacao")
    ns: dict[str, Any] = {"np": np, "limite_glorot": m.limite_glorot, "limite_he": m.limite_he,
                          "print": lambda *a, **k: None}
    exec(compile(src, "ex2-given-2", "exec"), ns)
    ref = m.run()["reference"]
    assert np.asarray(ns["std_glorot"]).tolist() == pytest.approx(ref["std_glorot"], rel=1e-12)
    assert np.asarray(ns["std_he"]).tolist() == pytest.approx(ref["std_he"], rel=1e-12)


# ---- the letters the student's own numbers support (consistency credit) --------------------

def _extracted(sig: dict[str, float], relu: dict[str, float]) -> dict[str, dict[str, Any]]:
    def hist(final: dict[str, float]) -> dict[str, Any]:
        return {"history": {k: [0.7, v] for k, v in final.items()}, "epochs": 2, "steps": 22}

    return {"ex4_sig": {"hist_sig": hist(sig)}, "ex4_relu": {"hist_relu": hist(relu)}}


@pytest.mark.parametrize(("sig", "relu", "letters"), [
    ({"loss": 0.693, "val_accuracy": 0.49}, {"loss": 0.10, "val_accuracy": 0.94}, ["a"]),
    ({"loss": 0.30, "val_accuracy": 0.88}, {"loss": 0.28, "val_accuracy": 0.90}, ["b"]),
    ({"loss": 0.10, "val_accuracy": 0.95}, {"loss": 0.69, "val_accuracy": 0.50}, ["c"]),
    ({"loss": 0.45, "val_accuracy": 0.95}, {"loss": 0.10, "val_accuracy": 0.90}, ["d"]),
    ({"loss": 0.45, "val_accuracy": 0.80}, {"loss": 0.10, "val_accuracy": 0.90}, []),  # not stuck
])
def test_own_letters_follow_the_students_numbers(assignment: Assignment, sig: dict[str, float],
                                                 relu: dict[str, float], letters: list[str]) -> None:
    assert assignment.hooks.own_letters("ex4", _extracted(sig, relu)) == letters


@pytest.mark.parametrize("extracted", [
    {},
    {"ex4_sig": {"hist_sig": {"__missing__": True}}, "ex4_relu": {}},
    {"ex4_sig": {"hist_sig": {"__unsupported__": "str"}}, "ex4_relu": {"hist_relu": 3}},
    {"ex4_sig": {"hist_sig": {"history": {"loss": "x", "val_accuracy": []}}},
     "ex4_relu": {"hist_relu": {"history": None}}},
    _extracted({"loss": float("nan"), "val_accuracy": 0.5}, {"loss": 0.1, "val_accuracy": 0.9}),
])
def test_own_letters_never_raise_on_odd_data(assignment: Assignment, extracted: Any) -> None:
    assert assignment.hooks.own_letters("ex4", extracted) == []
    assert assignment.hooks.own_letters("ex1", extracted) == []  # exact exercises: no credit


# ---- committed keys and notebooks -----------------------------------------------------------

@pytest.mark.parametrize("profile", ["smoke", "full"])
def test_committed_key_reassembles_from_its_runs(assignment: Assignment, profile: str) -> None:
    """The key's quantities are a pure function of its committed runs (no training)."""
    folder = assignment.key_path(profile).parent
    key = json.loads((folder / "key.json").read_text())
    assert key["assignment"] == assignment.identity()
    runs = []
    for p in sorted((folder / "runs").glob("*.json")):
        d = json.loads(p.read_text())
        ex, seeding, index = p.stem.rsplit("-", 2)
        runs.append(Run(ex, seeding, int(index), d))
    assert len(runs) == 3 + assignment.sheet_runs(profile)["ex4"]
    parts = assignment.hooks.assemble_key(assignment, assignment.profile(profile), runs)
    again = {q.id: q for q in parts.quantities}
    assert set(again) == set(key["quantities"])
    for qid, q in again.items():
        assert q.tolerance == key["quantities"][qid]["tolerance"], qid
    # every check of the contract finds its quantity (band_map: none here)
    for e in assignment.contract.exercises:
        for c in e.checks:
            assert c.kind == "letter" or c.key in key["quantities"], c.id
    assert {k: v["status"] for k, v in key["drift"].items()} == {
        "ex1": "reproduces", "ex2": "reproduces", "ex4": "holds"}
    assert key["drift"]["ex4"]["runs_supporting_official"] == len(runs) - 2


def test_generated_notebooks_are_not_stale(assignment: Assignment) -> None:
    from autograder.authoring import stale_generated

    assert stale_generated(assignment) == []


# ---- the real pipeline: sandboxed kernel, real Keras, the smoke key ------------------------

def _notebook(assignment: Assignment, kind: str) -> nbformat.NotebookNode:
    from autograder.authoring import notebook

    return notebook(assignment, kind, "smoke")  # type: ignore[arg-type]


def _with_edits(nb: nbformat.NotebookNode, edits: dict[str, tuple[str, str]]) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        cid = cell.metadata["autograder"]["id"]
        if cid in edits:
            old, new = edits[cid]
            assert old in cell.source, (cid, old)
            cell.source = cell.source.replace(old, new)
    return nb


def _grade(nb: nbformat.NotebookNode, folder: Path, key: Path, *extra: str) -> Any:
    path = folder / "submission.ipynb"
    nbformat.write(nb, path)
    out = folder / "result.json"
    res = CliRunner().invoke(main, ["grade", str(path), "--assignment", NAME, "--key", str(key),
                                    "--out", str(out), *extra])
    assert res.exit_code == 0, res.output
    assert validate(json.loads(out.read_text())) == []
    return load_result(out), res.output


def _checks(result: Any) -> dict[str, Any]:
    return {c.id: c for e in result.exercises for c in e.checks}


@pytest.mark.kernel
@pytest.mark.training
def test_solution_notebook_gets_full_marks(assignment: Assignment, smoke_key: Path,
                                           tmp_path: Path) -> None:
    result, output = _grade(_notebook(assignment, "solution"), tmp_path, smoke_key, "--lang", "en")
    assert "50 / 50" in output
    assert result.status == "graded" and result.score == result.max_score == 50
    assert result.assignment["name"] == NAME
    assert {e.verification for e in result.exercises} == {"executed"}
    ex4 = next(e for e in result.exercises if e.id == "ex4")
    assert set(ex4.series) == {"sig", "relu"} and len(ex4.series["relu"]["loss"]) == 5
    letter = _checks(result)["ex4.letter"]
    assert letter.status == "pass" and letter.message_id == "letter_correct"


@pytest.mark.kernel
@pytest.mark.training
def test_empty_student_notebook_gets_zero(assignment: Assignment, smoke_key: Path,
                                          tmp_path: Path) -> None:
    result, _ = _grade(_notebook(assignment, "student"), tmp_path, smoke_key)
    assert result.status == "graded" and result.score == 0 and result.max_score == 50
    for e in result.exercises:
        assert e.score == 0
        for c in e.checks:
            if c.max_points:
                assert c.status != "pass" and c.message_id, (e.id, c.id)
    # nothing written, nothing run (README, "Unanswered exercises")
    assert {e.status for e in result.exercises} == {"unanswered"}
    assert all(e.error is None and e.seconds == 0 for e in result.exercises)


@pytest.mark.kernel
@pytest.mark.training
def test_typical_mistakes_are_named_misconceptions(assignment: Assignment, smoke_key: Path,
                                                   tmp_path: Path) -> None:
    nb = _with_edits(_notebook(assignment, "solution"), {
        "ex1-answer-1": ("d_sigmoide = a_sigmoide * (1 - a_sigmoide)", "d_sigmoide = a_sigmoide"),
        "ex1-letter": ('resposta_1 = "c"', 'resposta_1 = "a"'),
        "ex2-answer-1": ("return np.sqrt(6.0 / fan_in)", "return np.sqrt(6.0 / fan_out)"),
        "ex4-answer-1": ("keras.optimizers.SGD(learning_rate=0.1)", "keras.optimizers.SGD()"),
        "ex4-answer-2": ("SGD(learning_rate=0.1)", "SGD(lr=0.1)"),
    })
    result, _ = _grade(nb, tmp_path, smoke_key)
    checks = _checks(result)
    named = {cid: c.misconception.id for cid, c in checks.items() if c.misconception}
    assert named["ex1.d_sigmoide"] == "sigmoid_derivative_as_s"
    assert named["ex2.lim_he"] == "he_limit_with_fan_out"
    assert named["ex4.sig.learning_rate"] == "sgd_default_learning_rate"
    assert checks["ex1.letter"].status == "fail"  # the mistake's option (a) earns no credit
    for ok in ("ex1.a_sigmoide", "ex1.d_tanh", "ex2.lim_glorot", "ex2.std_he", "ex4.sig.epochs"):
        assert checks[ok].status == "pass", ok  # each mistake costs its own check only
    ex = {e.id: e for e in result.exercises}
    assert ex["ex1"].score == 10 - 1.5 - 4 and ex["ex2"].score == 10 - 1.5
    assert ex["ex3"].score == ex["ex5"].score == 10
    # `lr=` in the ReLU network: Keras 3's error, recognised by name
    assert ex["ex4"].error is not None and "lr" in ex["ex4"].error.evalue
    assert "misconception:lr_keyword" in ex["ex4"].notes
    assert named["ex4.relu.loss"] == named["ex4.relu.learning_rate"] == "lr_keyword"
    assert checks["ex4.sig.loss"].status == "pass"  # the sigmoid part ran before the error


@pytest.mark.kernel
@pytest.mark.training
def test_selfcheck_runs_in_the_solution_notebook(assignment: Assignment, tmp_path: Path) -> None:
    from nbclient import NotebookClient

    nb = _notebook(assignment, "solution")
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    calls = {}
    for cell in nb.cells:
        meta = cell.metadata["autograder"]
        if meta["role"] != "selfcheck" or meta["id"] == "intro-selfcheck":
            continue
        text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
        mimes = {m for o in cell.outputs if o.get("output_type") == "display_data" for m in o["data"]}
        calls[cell.source] = (text, mimes)
    assert set(calls) == {'check("ex1")', 'check("ex2")', 'check("ex3")', 'check("ex4_sig")',
                          'check("ex4")', 'check("ex5")'}
    for call, (text, mimes) in calls.items():
        assert "Tudo certo" in text and "✘" not in text, (call, text)
        assert "application/vnd.dl-autograder.selfcheck+json" in mimes, call
    assert "histórico de 5 épocas" in calls['check("ex4")'][0]

    # the values the self-check saved let fast mode verify exercise 4 by replaying its first epochs
    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(nb, subs / "ana.ipynb")
    out = tmp_path / "out"
    key = assignment.key_path("smoke")
    # --audit-share 0: the random audit (tests/test_cache_replay.py) would run it in full 1 time in 10
    res = CliRunner().invoke(main, ["grade-batch", str(subs), "--assignment", NAME, "--key", str(key),
                                    "--out", str(out), "--mode", "fast", "--audit-share", "0"])
    assert res.exit_code == 0, res.output
    (path,) = (out / "results").glob("*.json")
    result = load_result(path)
    assert result.score == 50
    assert {e.id: e.verification for e in result.exercises}["ex4"] == "replay_verified"


@pytest.mark.kernel
@pytest.mark.training
def test_example_class_batch_reports_and_exports(assignment: Assignment, tmp_path: Path) -> None:
    """grade-batch, report and export, generic over the assignment, on its own example class."""
    out = tmp_path / "example"
    res = CliRunner().invoke(main, ["example", "--assignment", NAME, "--out", str(out)])
    assert res.exit_code == 0, res.output
    results = {}
    for p in (out / "results").glob("*.json"):
        r = load_result(p)
        results[r.student.name] = (r.status, r.score)
    assert results == {"Ana Souza": ("graded", 50), "Bruno Lima": ("graded", 42.5),
                       "Carla Dias": ("graded", 47), "Diego Alves": ("graded", 44),
                       "Eva Rocha": ("invalid_submission", 0)}
    bruno = next((out / "reports").glob("202.md")).read_text(encoding="utf-8")
    assert "Derivada da sigmoide tomada como s(z)" in bruno
    assert "Limite de He calculado com fan_out" in bruno
    assert (out / "reports" / "202_files" / "ex4_relu.png").is_file()
    assert (out / "exports" / "canvas_gradebook.csv").is_file()
    assert (out / "exports" / "moodle" / "feedback_files.zip").is_file()
    # re-rendered in English from the results alone
    res = CliRunner().invoke(main, ["report", str(out / "results"), "--assignment", NAME,
                                    "--key", str(assignment.key_path("smoke")),
                                    "--out", str(tmp_path / "en"), "--lang", "en"])
    assert res.exit_code == 0, res.output
    carla = (tmp_path / "en" / "203.md").read_text(encoding="utf-8")
    assert "`lr=` does not exist in Keras 3" in carla and "ReLU'(0) taken as 1" in carla
    csv_out = tmp_path / "grades.csv"
    res = CliRunner().invoke(main, ["export", "csv", str(out / "results"), "--assignment", NAME,
                                    "--out", str(csv_out)])
    assert res.exit_code == 0, res.output
    assert "ex2.lim_he" in csv_out.read_text(encoding="utf-8")
