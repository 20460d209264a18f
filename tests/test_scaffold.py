"""`autograder new`: the scaffolded assignment folder (autograder/scaffold.py, templates/new_assignment/).

The folder must build, key and grade at once, with no edit, from anywhere (used by path)."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from autograder import checks, probe, scaffold
from autograder.assignment import Assignment, Run, RunSpec, load_assignment
from autograder.authoring import notebook, rendered_cells
from autograder.cli import main
from autograder.environment import current
from autograder.keyassemble import assemble
from autograder.keymodel import AnswerKey
from autograder.sdk import silent

REPO = Path(__file__).resolve().parents[1]
NAME = "meu_modulo"
TITLE = 'Módulo IV - "Otimização" \\ teste'  # quotes and a backslash survive TOML and JSON


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "curso" / NAME
    scaffold.scaffold(NAME, target, TITLE)
    return target


@pytest.fixture
def assignment(folder: Path) -> Assignment:
    return load_assignment(folder)


# --------------------------------------------------------------------------------------------
# The files, as documented
# --------------------------------------------------------------------------------------------


def test_the_files_are_the_documented_ones() -> None:
    files = scaffold.render_files(NAME)
    assert sorted(files) == sorted(scaffold.FILES)
    guide = (REPO / "docs" / "authoring.md").read_text(encoding="utf-8")
    for rel in scaffold.FILES:
        assert f"`{rel}`" in guide, f"docs/authoring.md does not list {rel}"
    assert all(rel in (scaffold.__doc__ or "") for rel in scaffold.FILES)


def test_rendering_is_pure_and_fills_in_name_and_title() -> None:
    files = scaffold.render_files(NAME, TITLE)
    assert files == scaffold.render_files(NAME, TITLE)
    manifest = tomllib.loads(files["assignment.toml"])
    assert (manifest["name"], manifest["title"], manifest["version"]) == (NAME, TITLE, "0.1.0")
    assert set(manifest["profiles"]) == {"full", "smoke"}
    assert manifest["key"]["exercises"] == ["ex1"]
    contract = json.loads(files["contract.json"])
    assert (contract["module"], contract["title"]) == (NAME, TITLE)
    assert json.loads(files["answers.json"])["answers"].keys() == {"1", "2"}
    messages = json.loads(files["messages.json"])
    assert messages["pt"].keys() == messages["en"].keys()
    example = tomllib.loads(files["example.toml"])
    assert example["profile"] == "smoke" and example["lms_name"] == TITLE
    for rel, text in files.items():
        if rel.endswith(".py"):
            compile(text, rel, "exec")
    # the only Jinja left is source.md's template over the profile (and its mention in a comment)
    assert "passos = {{ profile.ex1_passos }}" in files["source.md"]
    leftovers = [rel for rel, text in files.items()
                 if "{%" in text or "{{" in text.replace("{{ profile.ex1_passos }}", "")]
    assert leftovers == []
    assert f"# {TITLE}" in files["source.md"] and NAME in files["README.md"]


def test_default_title() -> None:
    assert tomllib.loads(scaffold.render_files("outro")["assignment.toml"])["title"] == "Módulo outro"


@pytest.mark.parametrize("bad", ["Meu", "1modulo", "meu-modulo", "../x", "", "a" * 65, "meu modulo"])
def test_bad_names_are_refused(bad: str) -> None:
    with pytest.raises(scaffold.ScaffoldError) as err:
        scaffold.render_files(bad)
    assert err.value.exit_code == 2 and "What to do" in err.value.message()


@pytest.mark.parametrize("title", ["", "   ", "two\nlines"])
def test_bad_titles_are_refused(title: str) -> None:
    with pytest.raises(scaffold.ScaffoldError):
        scaffold.render_files(NAME, title)


def test_default_dir(tmp_path: Path) -> None:
    assert scaffold.default_dir(NAME, tmp_path) == tmp_path / NAME
    (tmp_path / "assignments").mkdir()
    assert scaffold.default_dir(NAME, tmp_path) == tmp_path / "assignments" / NAME


# --------------------------------------------------------------------------------------------
# Never overwriting
# --------------------------------------------------------------------------------------------


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    target = tmp_path / NAME
    scaffold.scaffold(NAME, target)
    (target / "source.md").write_text("my own sheet", encoding="utf-8")
    with pytest.raises(scaffold.ScaffoldError) as err:
        scaffold.scaffold(NAME, target)
    message = err.value.message()
    assert err.value.exit_code == 2
    assert "Refusing to overwrite" in message and "Nothing was written" in message
    assert str(target) in message and "What to do" in message
    assert (target / "source.md").read_text(encoding="utf-8") == "my own sheet"


def test_refuses_any_entry_even_a_hidden_one(tmp_path: Path) -> None:
    (tmp_path / NAME).mkdir()
    (tmp_path / NAME / ".git").mkdir()
    with pytest.raises(scaffold.ScaffoldError):
        scaffold.scaffold(NAME, tmp_path / NAME)
    assert [p.name for p in (tmp_path / NAME).iterdir()] == [".git"]


def test_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / NAME).write_text("x", encoding="utf-8")
    with pytest.raises(scaffold.ScaffoldError, match="is a file"):
        scaffold.scaffold(NAME, tmp_path / NAME)


def test_an_existing_empty_folder_is_fine(tmp_path: Path) -> None:
    (tmp_path / NAME).mkdir()
    written = scaffold.scaffold(NAME, tmp_path / NAME)
    assert sorted(p.relative_to(tmp_path / NAME).as_posix() for p in written) == sorted(scaffold.FILES)


def test_cli_new(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["new", NAME])
    assert result.exit_code == 0, result.output
    assert (tmp_path / NAME / "assignment.toml").is_file()
    assert f"--assignment ./{NAME}" in result.output and "README.md" in result.output
    again = runner.invoke(main, ["new", NAME])
    assert again.exit_code == 2 and "Refusing to overwrite" in again.output
    bad = runner.invoke(main, ["new", "Bad-Name"])
    assert bad.exit_code == 2 and "cannot name an assignment" in bad.output
    custom = runner.invoke(main, ["new", "outro", "--dir", "x/y", "--title", "Módulo V"])
    assert custom.exit_code == 0, custom.output
    assert tomllib.loads((tmp_path / "x/y/assignment.toml").read_text("utf-8"))["title"] == "Módulo V"
    (tmp_path / "assignments").mkdir()
    assert runner.invoke(main, ["new", "terceiro"]).exit_code == 0
    assert (tmp_path / "assignments" / "terceiro" / "contract.json").is_file()


# --------------------------------------------------------------------------------------------
# It loads, renders, keys and grades (in process, no kernel)
# --------------------------------------------------------------------------------------------


def test_the_folder_is_an_assignment(folder: Path, assignment: Assignment) -> None:
    assert (assignment.name, assignment.title, assignment.root) == (NAME, TITLE, folder.resolve())
    assert assignment.profile_names == ("full", "smoke")
    assert assignment.reference_exercises == ("ex1",) and assignment.training_exercises == ()
    assert assignment.datasets == () and assignment.example() is not None
    assert [e.id for e in assignment.contract.exercises] == ["ex1", "ex2"]
    assert assignment.contract.max_score == 20
    assert assignment.authored.contract is assignment.contract  # source.md validates
    assert assignment.key_report_intro().strip()


@pytest.mark.parametrize("profile,steps", [("full", 100), ("smoke", 20)])
def test_notebooks_render_for_both_profiles(assignment: Assignment, profile: str, steps: int) -> None:
    for kind in ("student", "solution"):
        nb = notebook(assignment, kind, profile)
        meta = nb.metadata["autograder"]
        assert (meta["assignment"], meta["kind"], meta["profile"]) == (NAME, kind, profile)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert f"passos = {steps}" in code
        assert ('resposta_1 = "b"' in code) == (kind == "solution")


def _key(assignment: Assignment, profile: str) -> AnswerKey:
    p = assignment.profile(profile)
    data = assignment.hooks.run_reference(assignment, RunSpec("ex1", "deterministic", 0), p, silent)
    json.dumps(data, allow_nan=False)  # plain JSON data
    return assemble(assignment, p, [Run("ex1", "deterministic", 0, data)], current(), "now")


def _execute(assignment: Assignment, profile: str, edit: tuple[str, str] = ("", "")) -> dict[str, Any]:
    """Run the solution's code cells in this process (numpy only) and read every part as the probe
    does: what a real kernel would extract."""
    namespace: dict[str, Any] = {"check": lambda *a, **k: None}
    extracted: dict[str, dict[str, Any]] = {}
    cells = rendered_cells(assignment.authored, assignment.profile(profile), "solution")
    for cell in cells:
        if cell.cell_type == "code" and cell.role != "selfcheck":
            exec(compile(cell.source.replace(*edit) if edit[0] else cell.source, cell.id, "exec"),
                 namespace)
    for e in assignment.contract.exercises:
        for part in e.parts:
            extracted[part.id] = probe.collect(namespace, [(r.name, r.type) for r in part.reads])
    return extracted


@pytest.mark.parametrize("profile", ["full", "smoke"])
def test_the_key_covers_every_check_and_the_solution_passes_them(assignment: Assignment,
                                                                 profile: str) -> None:
    key = _key(assignment, profile)
    wanted = {c.key for e in assignment.contract.exercises for c in e.checks if c.key}
    assert wanted <= set(key.quantities)
    assert key.drift["ex1"].status == "reproduces"
    assert key.assignment == assignment.identity()
    sentences = assignment.messages["pt"].keys() & assignment.messages["en"].keys()
    for q in key.quantities.values():  # every named variant has its sentences
        for vid in q.variants:
            assert f"misconception.{vid}" in sentences
    extracted = _execute(assignment, profile)
    for e in assignment.contract.exercises:
        results = checks.evaluate_exercise(e, extracted, key, assignment.contract,
                                           assignment.hooks.own_letters)
        assert [r.status for r in results] == ["pass"] * len(results), results


def test_a_wrong_sign_is_named_and_its_letter_gets_consistency_credit(assignment: Assignment) -> None:
    key = _key(assignment, "smoke")
    extracted = _execute(assignment, "smoke", ("w = w - eta * grad_f(w)", "w = w + eta * grad_f(w)"))
    extracted["ex1"]["resposta_1"] = "a"
    results = {r.id: r for r in checks.evaluate_exercise(assignment.contract.exercise("ex1"), extracted,
                                                          key, assignment.contract,
                                                          assignment.hooks.own_letters)}
    for cid in ("ex1.w_inicio", "ex1.w_final", "ex1.perda_final"):
        misconception = results[cid].misconception
        assert results[cid].status == "fail" and misconception is not None
        assert misconception.id == "sinal_trocado"
    assert results["ex1.letter"].message_id == "letter_consistent" and results["ex1.letter"].points == 4


def test_own_letters_never_raise_on_odd_data(assignment: Assignment) -> None:
    odds: tuple[dict[str, dict[str, Any]], ...] = (
        {}, {"ex1": {}}, {"ex1": {"w_final": "NaN"}}, {"ex1": {"w_final": True}},
        {"ex1": {"w_final": {"__unsupported__": "x"}}}, {"ex1": {"w_final": [1, 2]}},
        {"ex1": {"w_final": float("inf")}}, {"ex1": {"w_final": 1e308}})
    for odd in odds:
        assert isinstance(assignment.hooks.own_letters("ex1", odd), list)
    assert assignment.hooks.own_letters("ex2", {"ex1": {"w_final": 3.0}}) == []


# --------------------------------------------------------------------------------------------
# End to end, through the command line, on a folder outside the repository
# --------------------------------------------------------------------------------------------


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, f"autograder {' '.join(args)} exited {proc.returncode}:\n" \
                                 f"{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.mark.kernel
def test_new_build_key_and_grade_through_the_cli(tmp_path: Path) -> None:
    _cli("new", NAME, cwd=tmp_path)
    folder = tmp_path / NAME
    a = str(folder)
    _cli("assignment", "build", "--assignment", a, cwd=tmp_path)
    assert {p.name for p in (folder / "generated").iterdir()} == {"student.ipynb", "solution.ipynb"}
    _cli("assignment", "build", "--assignment", a, "--check", cwd=tmp_path)
    _cli("assignment", "notebooks", "--assignment", a, "--profile", "smoke", "--out",
         str(tmp_path / "smoke"), cwd=tmp_path)
    _cli("key", "build", "--assignment", a, "--profile", "smoke", cwd=tmp_path)
    key = folder / "keys" / "smoke" / "key.json"
    assert json.loads(key.read_text("utf-8"))["assignment"]["name"] == NAME
    assert (folder / "keys" / "smoke" / "report.md").is_file()
    for kind, score in (("solution", 20.0), ("student", 0.0)):
        out = tmp_path / f"{kind}.result.json"
        _cli("grade", str(tmp_path / "smoke" / f"{kind}.ipynb"), "--assignment", a, "--key", str(key),
             "--out", str(out), cwd=tmp_path)
        result = json.loads(out.read_text("utf-8"))
        assert (result["status"], result["score"], result["max_score"]) == ("graded", score, 20.0), kind
        assert result["assignment"]["name"] == NAME
