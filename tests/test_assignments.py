"""The authored source, the generated notebooks and the self-check (no kernel, no training)."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest
from click.testing import CliRunner

from autograder import authoring as build
from autograder import probe
from autograder import selfcheck_runtime as rt
from autograder.assignment import Profile
from autograder.authoring import SourceError
from autograder.cli import main
from tests.common import CNN, CONTRACT, FULL, REPO, SMOKE

PROFILES = (FULL, SMOKE)
KINDS = build.KINDS
PART_OWNER = CONTRACT.part_owner()
ANSWERS = json.loads(CNN.path("answers.json").read_text(encoding="utf-8"))["answers"]


@pytest.fixture(scope="module")
def notebooks() -> dict[tuple[str, str], nbformat.NotebookNode]:
    return {(kind, p.name): build.notebook(CNN, kind, p) for kind in KINDS for p in PROFILES}


def meta(cell: Any) -> dict[str, Any]:
    return dict(cell.metadata["autograder"])


def by_id(nb: nbformat.NotebookNode) -> dict[str, Any]:
    return {meta(c)["id"]: c for c in nb.cells}


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
@pytest.mark.parametrize("kind", KINDS)
def test_generation_is_deterministic(kind: build.Kind, profile: Profile) -> None:
    first = build.notebook_text(build.notebook(CNN, kind, profile))
    assert build.notebook_text(build.notebook(CNN, kind, profile)) == first


def test_committed_generated_copies_are_up_to_date() -> None:
    stale = build.stale_generated(CNN)
    assert not stale, f"run `autograder assignment build --assignment {CNN.name}` to regenerate {stale}"


def test_write_all_writes_both_notebooks(tmp_path: Path) -> None:
    written = build.write_all(CNN, tmp_path, SMOKE)
    assert sorted(written) == ["solution", "student"]
    for kind, path in written.items():
        assert path.name == f"{kind}.ipynb"
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert nb.metadata["autograder"]["profile"] == "smoke"
        assert nb.metadata["autograder"]["kind"] == kind


def test_main_check_reports_up_to_date() -> None:
    result = CliRunner().invoke(main, ["assignment", "build", "--check", "--assignment", CNN.name])
    assert result.exit_code == 0, result.output


# --------------------------------------------------------------------------------------------
# Cell metadata
# --------------------------------------------------------------------------------------------


def test_every_cell_has_valid_metadata_and_unique_ids(notebooks: dict[Any, Any]) -> None:
    for (kind, profile), nb in notebooks.items():
        ids = [meta(c)["id"] for c in nb.cells]
        assert len(ids) == len(set(ids)), (kind, profile)
        for cell in nb.cells:
            m = meta(cell)
            where = f"{kind}/{profile}/{m.get('id')}"
            assert set(m) <= {"id", "exercise", "part", "role", "checksum"}, where
            assert cell["id"] == m["id"], where
            assert m["role"] in build.ROLES, where
            assert m["exercise"] == "intro" or m["exercise"] in {e.id for e in CONTRACT.exercises}
            assert cell.metadata["tags"] == [m["exercise"]], where
            if m["role"] in ("given", "answer", "letter"):
                assert PART_OWNER[m["part"]] == m["exercise"], where
            else:
                assert m["part"] == "", where
            assert (cell.cell_type == "markdown") == (m["role"] == "text"), where
            if m["role"] in ("given", "selfcheck"):
                assert m["checksum"] == build.sha256_text(cell.source), where
            else:
                assert "checksum" not in m, where


def test_parts_are_contiguous_and_in_contract_order(notebooks: dict[Any, Any]) -> None:
    expected = [p.id for e in CONTRACT.exercises for p in e.parts]
    for nb in notebooks.values():
        parts = [meta(c)["part"] for c in nb.cells if meta(c)["part"]]
        runs = [p for i, p in enumerate(parts) if i == 0 or parts[i - 1] != p]
        assert runs == expected


def test_every_exercise_has_a_letter_cell_and_ends_with_its_check(notebooks: dict[Any, Any]) -> None:
    nb = notebooks[("student", "full")]
    cells = by_id(nb)
    for e in CONTRACT.exercises:
        letter = cells[f"{e.id}-letter"]
        assert letter.source == f'resposta_{e.number} = ""  # \'a\', \'b\', \'c\' ou \'d\''
        assert meta(letter)["part"] == e.parts[-1].id
        mine = [c for c in nb.cells if meta(c)["exercise"] == e.id]
        assert mine[-1].source == f'check("{e.id}")'
        assert meta(mine[-1])["role"] == "selfcheck"
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert meta(first_code)["id"] == "intro-selfcheck"


def test_instructor_cells_are_identical_in_both_notebooks(notebooks: dict[Any, Any]) -> None:
    for profile in PROFILES:
        student = notebooks[("student", profile.name)]
        solution = notebooks[("solution", profile.name)]
        assert [meta(c) for c in student.cells] == [meta(c) for c in solution.cells]
        for s, t in zip(student.cells, solution.cells, strict=True):
            if meta(s)["role"] in ("text", "given", "selfcheck"):
                assert s.source == t.source, meta(s)["id"]


def test_authored_cells_are_the_student_notebook() -> None:
    cells = build.authored_cells(CNN.authored, SMOKE)
    nb = build.notebook(CNN, "student", SMOKE)
    assert [(a.id, a.exercise, a.part, a.role, a.cell_type, a.source) for a in cells] == [
        (m["id"], m["exercise"], m["part"], m["role"], c.cell_type, c.source)
        for c in nb.cells for m in [meta(c)]]
    with pytest.raises(AttributeError):
        cells[0].source = "x"  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# Content
# --------------------------------------------------------------------------------------------

SOLUTION_MARKERS = ("model1.compile(", "model1.fit(", "model2.fit(", "Inception.fit(",
                    "ResNet.fit(", ".evaluate(", "LogisticRegression(", "np.log(yh",
                    "def scheduler", "mse_por_batch[batch_size] =", "/ 255", "to_categorical(",
                    "(x_train - mean)", "x_train.mean(axis=0)")


def test_student_notebook_has_no_solutions_nor_justifications(notebooks: dict[Any, Any]) -> None:
    for profile in PROFILES:
        student = notebooks[("student", profile.name)]
        solution = notebooks[("solution", profile.name)]
        code = "\n".join(line for c in student.cells if c.cell_type == "code"
                         and meta(c)["role"] != "selfcheck" for line in c.source.splitlines()
                         if not line.lstrip().startswith("#"))
        for marker in SOLUTION_MARKERS:
            assert marker not in code, marker
            assert marker in "\n".join(c.source for c in solution.cells), marker
        for cell in student.cells:
            if meta(cell)["role"] == "answer":
                assert all(line.startswith("#") for line in cell.source.splitlines()), meta(cell)["id"]
        # the sheet's own option texts may share words with a justification; the rest may not
        text = "\n".join(line for c in student.cells for line in c.source.splitlines()
                         if not re.match(r"\s*- \([a-d]\)", line))
        for number, answer in ANSWERS.items():
            assert not re.search(rf'resposta_{number}\s*=\s*["\'][a-d]', text)
            words = str(answer["justificativa"]).split()
            for i in range(0, max(1, len(words) - 8), 4):  # no 8-word run of any justification
                assert " ".join(words[i:i + 8]) not in text, (number, words[i:i + 8])
        assert "Justificativa" not in text


def test_solution_letters_are_the_official_answers(notebooks: dict[Any, Any]) -> None:
    cells = by_id(notebooks[("solution", "full")])
    for e in CONTRACT.exercises:
        source = cells[f"{e.id}-letter"].source
        assert source.splitlines()[-1] == f'resposta_{e.number} = "{ANSWERS[str(e.number)]["letter"]}"'


def test_solution_uses_the_keras3_api_and_seeds_every_network(notebooks: dict[Any, Any]) -> None:
    nb = notebooks[("solution", "full")]
    code = [c for c in nb.cells if c.cell_type == "code" and meta(c)["role"] != "selfcheck"]
    text = "\n".join(c.source for c in code)
    assert not re.search(r"\blr\s*=", text)
    assert "input_shape=" not in text and "tensorflow.keras" not in text
    assert "keras.datasets.boston_housing.load_data()" in text
    assert "keras.datasets.fashion_mnist.load_data()" in text
    assert "seed(1)" in text and "set_seed(2)" in text  # the sheet's seeding, explained
    for cell in code:
        src = cell.source
        builds = ("keras.Sequential()" in src and "def " not in src) or "keras.models.Model(" in src
        if builds:  # "before designing, compiling and training each network"
            assert "keras.utils.set_random_seed(2)" in src, meta(cell)["id"]
        if "def scheduler" in src:
            assert "return float(" in src and "return lr" not in src


def test_profiles_change_only_the_given_constants() -> None:
    full = by_id(build.notebook(CNN, "student", FULL))
    smoke = by_id(build.notebook(CNN, "student", SMOKE))
    assert list(full) == list(smoke)
    differ = {cid for cid in full if full[cid].source != smoke[cid].source}
    assert differ == {"intro-selfcheck", "ex7-given-3", "ex8-given-3", "ex10-given-4"}
    assert full["ex7-given-3"].source == "epochs = 50"
    assert smoke["ex7-given-3"].source == f"epochs = {SMOKE.ex7_epochs}"
    assert f"batches = {list(FULL.ex8_batches)}" in full["ex8-given-3"].source
    assert f"batches = {list(SMOKE.ex8_batches)}" in smoke["ex8-given-3"].source
    assert "x_sub = x_train[:800]" in full["ex10-given-4"].source
    assert "epochs = 100" in full["ex10-given-4"].source
    assert "x_test[:" not in full["ex10-given-4"].source
    m = SMOKE.ex10_test_images
    assert f"x_test, y_test = x_test[:{m}], y_test[:{m}]" in smoke["ex10-given-4"].source
    assert f"x_sub = x_train[:{SMOKE.ex10_train_images}]" in smoke["ex10-given-4"].source


def test_every_exercise_loads_its_own_data(notebooks: dict[Any, Any]) -> None:
    """Self-contained exercises: nothing read from another exercise's variables."""
    nb = notebooks[("solution", "full")]
    for ex, needle in (("ex7", "boston_housing.load_data()"), ("ex8", "boston_housing.load_data()"),
                       ("ex10", "fashion_mnist.load_data()"), ("ex1", "import numpy as np"),
                       ("ex3", "import numpy as np")):
        first = next(c for c in nb.cells if meta(c)["exercise"] == ex and meta(c)["role"] == "given")
        assert needle in first.source, ex
        assert "import" in first.source


# --------------------------------------------------------------------------------------------
# Source parsing errors
# --------------------------------------------------------------------------------------------

GOOD_HEAD = "<!-- cell id=intro-selfcheck exercise=intro role=selfcheck -->\n"


@pytest.mark.parametrize("text, message", [
    ("no markers at all", "no cell markers"),
    (GOOD_HEAD + "<!-- cell id=ex1-given-1 exercise=ex1 part=ex1 role=given -->\n```python\nx = 1\n",
     "never closed"),
    (GOOD_HEAD + "<!-- cell id=ex1-given-1 exercise=ex1 part=ex1 role=given -->\nloose text\n",
     "outside a ```python block"),
    (GOOD_HEAD + "<!-- cell id=ex1-answer-1 exercise=ex1 part=ex1 role=answer -->\n"
     "```python\nx = 1\n```\n", "student block"),
    (GOOD_HEAD + "<!-- cell id=ex1-x exercise=ex1 role=banana -->\n", "Unknown role"),
    (GOOD_HEAD + "<!-- cell id=Bad! exercise=ex1 role=text -->\nhi\n", "not a valid id"),
])
def test_parse_source_rejects_malformed_sources(text: str, message: str) -> None:
    with pytest.raises(SourceError, match=re.escape(message)):
        build.parse_source(text)


def test_validate_lists_every_disagreement_with_the_contract() -> None:
    text = CNN.source_path.read_text(encoding="utf-8")
    cells, expectations = build.parse_source(text)
    broken = list(cells)
    broken.append(broken[5])  # duplicate id
    broken = [c for c in broken if c.id != "ex3-letter"]  # exercise 3 loses its letter
    with pytest.raises(SourceError) as err:
        build.validate(broken, CONTRACT, expectations, "test")
    assert "duplicate cell id" in str(err.value)
    assert "ex3 needs one letter cell" in str(err.value)


# --------------------------------------------------------------------------------------------
# The self-check (runtime functions, and the generated cell run in this process)
# --------------------------------------------------------------------------------------------


def config(profile: Profile = SMOKE) -> dict[str, Any]:
    return build.selfcheck_config(CNN.authored, profile)


def read(ref: str, profile: Profile = SMOKE) -> dict[str, Any]:
    part, name = ref.split(":")
    for e in config(profile)["exercises"]:
        for p in e["parts"]:
            if p["id"] == part:
                return next(r for r in p["reads"] if r["name"] == name)
    raise LookupError(ref)


GOOD_MODEL = {"params": 369, "layers": [], "optimizer": {"class": "Adam", "learning_rate": 0.001,
                                                          "momentum": None}, "loss": "mse"}


def history(epochs: int, keys: tuple[str, ...]) -> dict[str, Any]:
    return {"history": {k: [1.0] * epochs for k in keys}, "epochs": epochs, "steps": 13}


@pytest.mark.parametrize("ref, value, ok, needle", [
    ("ex1:y_hat", {"__missing__": True}, False, "não está definido"),
    ("ex1:y_hat", [0.5] * 10, True, "formato (10,)"),
    ("ex1:y_hat", [0.5] * 9, False, "formato (9,); esperado (10,)"),
    ("ex1:y_hat", [[0.5]] * 10, False, "formato (10, 1)"),
    ("ex1:y_hat", [0.5, [1.0]], False, "não é um array retangular"),
    ("ex1:loss_ec", [0.1] * 9 + ["NaN"], False, "NaN"),
    ("ex1:loss_hi", {"__unsupported__": "generator"}, False, "não consigo ler (generator)"),
    ("ex3:loss_ec", 1.6, True, "número"),
    ("ex3:loss_ec", [0.1] * 5, False, "esperado UM número"),
    ("ex3:loss_qu", "0.8", False, "deveria ser um número"),
    ("ex1:resposta_1", "", False, "ainda está vazia"),
    ("ex1:resposta_1", " (D) ", True, "alternativa (d)"),
    ("ex1:resposta_1", "c)", True, "alternativa (c)"),
    ("ex1:resposta_1", "e", False, "não é uma alternativa"),
    ("ex1:resposta_1", 4, False, "não é uma alternativa"),
    ("ex7_a:model1", GOOD_MODEL, True, "369 parâmetros"),
    ("ex7_a:model1", {**GOOD_MODEL, "optimizer": None}, False, "ainda não foi compilada"),
    ("ex7_a:model1", {**GOOD_MODEL, "params": 0}, False, "não tem parâmetros"),
    ("ex7_a:history", history(SMOKE.ex7_epochs, ("loss", "mae", "val_loss", "val_mae")), True, "4 épocas"),
    ("ex7_a:history", history(3, ("loss", "mae", "val_loss", "val_mae")), False, "tem 3 épocas"),
    ("ex7_a:history", history(4, ("loss", "mae")), False, "'val_loss', 'val_mae'"),
    ("ex7_b:history", history(4, ("loss", "mae", "val_loss", "val_mae")), False, "'learning_rate'"),
    ("ex7_a:history", [1, 2], False, "retorno de .fit"),
    ("ex7_dados:x_train", {"shape": [404, 13], "min": -3.0, "max": 9.0}, True, "(404, 13)"),
    ("ex7_dados:x_train", {"shape": [404], "min": 0, "max": 1}, False, "esperado (n, 13)"),
    ("ex10_dados:x_train", {"shape": [60000, 28, 28], "min": 0, "max": 1}, False, "(n, 28, 28, 1)"),
    ("ex8:mse_por_batch", {"32": 1.0, "64": 2.0, "128": 3.0, "256": 4.0}, True, "4 tamanhos"),
    ("ex8:mse_por_batch", {"32": 1.0, "64": 2.0}, False, "não tem as chaves 128, 256"),
    ("ex8:mse_por_batch", {"32": 1.0, "64": 2.0, "128": 3.0, "256": 4.0, "2": 1.0}, False,
     "não estão em `batches`: 2"),
    ("ex8:epocas_por_batch", {"32": 14, "64": 15, "128": 16, "256": 17.5}, False, "inteiro"),
    ("ex8:mse_por_batch", [1, 2], False, "dicionário"),
])
def test_judge_says_what_to_fix(ref: str, value: Any, ok: bool, needle: str) -> None:
    got_ok, message = rt.judge(read(ref), value, "pt")
    assert got_ok is ok
    assert needle in message


def test_judge_speaks_english_too() -> None:
    ok, message = rt.judge(read("ex1:resposta_1"), "", "en")
    assert not ok and "still empty" in message and "'a', 'b', 'c' or 'd'" in message


@pytest.mark.parametrize("which, target", [
    ("ex1", "ex1"), (1, "ex1"), ("1", "ex1"), (" EX7 ", "ex7"), ("ex7_a", "ex7_a"),
    (10, "ex10"), ("ex10_dados", "ex10_dados"),
])
def test_check_accepts_exercise_ids_numbers_and_parts(which: Any, target: str) -> None:
    report = rt.evaluate(config(), probe, {}, which, {})
    assert report["target"] == target


@pytest.mark.parametrize("which", ["ex11", 0, True, None, "ex", 3.0])
def test_check_rejects_unknown_exercises_without_raising(which: Any) -> None:
    out: list[str] = []
    rt.make_check(config(), probe, {}, emit=lambda p: None, out=out.append)(which)
    assert out and out[0].startswith(rt.FAIL) and "Não conheço o exercício" in out[0]


class Hostile:
    """Raises from every attribute, as a broken student object might."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("boom")


def test_check_never_raises_and_never_reveals_the_key() -> None:
    namespace: dict[str, Any] = {"y_hat": Hostile(), "loss_qu": object(), "resposta_1": "d"}
    out: list[str] = []
    payloads: list[dict[str, Any]] = []
    check = rt.make_check(config(), probe, namespace, emit=payloads.append, out=out.append)
    assert check("ex1") is None
    assert rt.FAIL in out[0]
    assert payloads[0]["passed"] is False
    cfg = json.dumps(config())
    assert "justificativa" not in cfg and '"checks"' not in cfg and '"key"' not in cfg
    assert "0.4486" not in cfg  # a key value (mean cross-entropy) is nowhere in the cell
    broken = rt.make_check(config(), None, namespace, emit=payloads.append, out=out.append)
    broken("ex1")  # the probe itself is broken: still no exception
    assert "problema inesperado" in out[-1]


def test_reused_names_are_taken_from_their_own_parts_snapshot() -> None:
    """ex7's `history` is A's after check("ex7_a") and B's after the whole exercise."""

    class History:
        def __init__(self, keys: tuple[str, ...]) -> None:
            self.history = {k: [1.0] * SMOKE.ex7_epochs for k in keys}
            self.params = {"epochs": SMOKE.ex7_epochs, "steps": 13}

    ns: dict[str, Any] = {"history": History(("loss", "mae", "val_loss", "val_mae"))}
    snapshots: dict[str, Any] = {}
    rt.evaluate(config(), probe, ns, "ex7_a", snapshots)
    ns["history"] = History(("loss", "mae", "val_loss", "val_mae", "learning_rate"))
    report = rt.evaluate(config(), probe, ns, "ex7", snapshots)
    assert "learning_rate" not in report["values"]["ex7_a"]["history"]["history"]
    assert "learning_rate" in report["values"]["ex7_b"]["history"]["history"]
    fresh = rt.evaluate(config(), probe, ns, "ex7", {})  # check("ex7_a") was never run
    ok, _, message = next(i for i in fresh["items"] if i[1] == "ex7_a" and "history" in i[2])
    assert not ok and 'check("ex7_a")' in message


def _run_cells(sources: list[str]) -> tuple[dict[str, Any], str]:
    namespace: dict[str, Any] = {}
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        for source in sources:
            exec(compile(source, "<cell>", "exec"), namespace)
    return namespace, buffer.getvalue()


def test_generated_selfcheck_cell_runs_standalone_and_passes_on_the_solution() -> None:
    import matplotlib

    matplotlib.use("Agg")
    cells = by_id(build.notebook(CNN, "solution", SMOKE))
    ids = ["intro-selfcheck", "ex1-given-1", "ex1-answer-1", "ex1-given-2", "ex1-letter",
           "ex1-check", "ex3-given-1", "ex3-answer-1", "ex3-letter", "ex3-check", "ex2-letter",
           "ex2-check"]
    namespace, printed = _run_cells([cells[i].source for i in ids])
    assert "Autoverificação pronta" in printed
    assert rt.FAIL not in printed
    assert printed.count("Tudo certo") == 3
    values = rt.evaluate(config(), probe, namespace, "ex1", {})["values"]["ex1"]
    assert len(values["y_hat"]) == 10 and values["resposta_1"] == "d"


def test_generated_selfcheck_cell_embeds_the_probe_and_runtime_verbatim() -> None:
    source = by_id(build.notebook(CNN, "student", SMOKE))["intro-selfcheck"].source
    assert (REPO / "autograder" / "probe.py").read_text(encoding="utf-8").strip() in source
    assert (REPO / "autograder" / "selfcheck_runtime.py").read_text(encoding="utf-8").strip() in source
    assert build.SELFCHECK_MIME == rt.MIME


def test_empty_student_check_fails_helpfully_in_portuguese() -> None:
    cells = by_id(build.notebook(CNN, "student", SMOKE))
    _, printed = _run_cells([cells[i].source for i in ("intro-selfcheck", "ex1-given-1",
                                                       "ex1-answer-1", "ex1-letter", "ex1-check")])
    assert "✘ `y_hat` não está definido; esperado: probabilidades da classe 1" in printed
    assert "✘ `resposta_1` ainda está vazia" in printed
    assert '0 de 6 itens no formato esperado. Corrija os itens marcados com ✘ e rode check("ex1")' in printed


def test_nested_shape() -> None:
    assert rt.nested_shape([[1, 2], [3, 4], [5, 6]]) == (3, 2)
    assert rt.nested_shape([]) == (0,)
    assert rt.nested_shape(np.zeros(3).tolist()) == (3,)
    assert rt.nested_shape([[1], [1, 2]]) is None
    assert rt.nested_shape({"a": 1}) is None
