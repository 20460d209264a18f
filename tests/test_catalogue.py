"""One language: what the CLI and its errors say comes from the catalogue, in pt and in en.

The catalogue is ``autograder.i18n`` (feedback) plus ``autograder.messages`` (the CLI and the
errors). These tests read the catalogue and the code (every id the code names exists in both
languages, with the same placeholders; the Portuguese holds no English sentence; the CLI prints
no sentence of its own), then drive the real command line in Portuguese and in English.
"""

from __future__ import annotations

import ast
import json
import re
import string
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from autograder.cli import main
from autograder.i18n import _CATALOGUE, LANGUAGES, msg, translate
from tests.common import CNN, REPO, SMOKE_KEY

PACKAGE = REPO / "autograder"
TEMPLATES = REPO / "templates"


def fields(template: str) -> set[str]:
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template)
            if name is not None}


def test_every_message_is_in_both_languages_with_the_same_placeholders() -> None:
    ids = {lang: set(_CATALOGUE[lang]) for lang in LANGUAGES}
    assert ids["pt"] == ids["en"], {"only pt": ids["pt"] - ids["en"], "only en": ids["en"] - ids["pt"]}
    differ = {i: (fields(_CATALOGUE["pt"][i]), fields(_CATALOGUE["en"][i])) for i in ids["en"]
              if fields(_CATALOGUE["pt"][i]) != fields(_CATALOGUE["en"][i])}
    assert not differ


# Words that are English and not Portuguese; a Portuguese sentence holding one was left untranslated.
ENGLISH = {"the", "and", "is", "are", "was", "with", "not", "this", "that", "which", "what", "where",
           "of", "to", "from", "be", "has", "have", "cannot", "can", "should", "must", "run",
           "file", "files", "folder", "found", "missing", "its", "it", "or", "an", "by", "on", "in",
           "at", "written", "wrote", "skipped", "error", "warning", "student", "students"}
CODE = re.compile(r"`[^`]*`|\{[^}]*\}|--?[\w-]+|\$\w+|[\w./-]*/[\w./-]*|\b[A-Z][A-Z0-9_]+\b|\w+\.\w+")


def english_words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", CODE.sub(" ", text)) if w.lower() in ENGLISH}


def test_the_portuguese_catalogue_holds_no_english_sentence() -> None:
    left = {i: english_words(t) for i, t in _CATALOGUE["pt"].items() if english_words(t)}
    assert not left


def test_the_check_for_english_in_portuguese_can_fail() -> None:
    assert english_words("O arquivo {path} is missing") == {"is", "missing"}
    assert not english_words("rode `autograder grade-batch --out OUT` de novo em {path}")


def _python_files() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if "messages" not in p.parts]


def _literal_ids() -> dict[str, str]:
    """Every message id the engine names as a literal: msg("…"), translate("…"), encode("…"), t("…"),
    and an error built from an id (``ExportUsageError("export_bad_target", …)``)."""
    found: dict[str, str] = {}
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                func = node.func
                on_i18n = isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "i18n"
                name = (func.id if isinstance(func, ast.Name)  # str.encode("utf-8") is not one
                        else func.attr if on_i18n and isinstance(func, ast.Attribute) else "")
                coded = (name.endswith(("Error", "Refused"))  # ExportUsageError("export_bad_target", ...)
                         and re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)+", node.args[0].value))
                if name in {"msg", "translate", "encode", "Msg"} or coded:
                    found[node.args[0].value] = f"{path.relative_to(REPO)}:{node.lineno}"
    for path in sorted(TEMPLATES.rglob("*.j2")):
        for m in re.finditer(r"\bt\(\s*['\"]([a-z][a-z0-9_]*)['\"]\s*[,)]", path.read_text(encoding="utf-8")):
            found[m.group(1)] = str(path.relative_to(REPO))
    return found


def test_every_id_the_code_names_is_in_the_catalogue() -> None:
    named = _literal_ids()
    assert len(named) > 300  # the scan sees the engine's ids (a broken scan would pass with none)
    assert {i: where for i, where in named.items() if i not in _CATALOGUE["en"]} == {}


def test_the_cli_prints_no_sentence_of_its_own() -> None:
    """Every click.echo/secho of autograder/cli.py prints a catalogue sentence or a value (a path,
    a command to type), never a literal sentence."""
    tree = ast.parse((PACKAGE / "cli.py").read_text(encoding="utf-8"))
    own = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"echo", "secho"} and node.args):
            parts = ([node.args[0].value] if isinstance(node.args[0], ast.Constant) else
                     [v.value for v in node.args[0].values if isinstance(v, ast.Constant)]
                     if isinstance(node.args[0], ast.JoinedStr) else [])
            if parts and str(parts[0]).lstrip().startswith("autograder "):
                continue  # a command to type
            words = [w for p in parts if isinstance(p, str) for w in re.findall(r"[a-z]{3,}", p)]
            if words:
                own.append((node.lineno, words))
    assert not own


def test_an_error_reads_in_the_operators_language() -> None:
    from autograder.errors import KeyError_

    exc = KeyError_(msg("cli_notebook_of_other_assignment", named="a", assignment="b"), where="/x/key.json",
                    fix=msg("cli_notebook_of_other_assignment_fix", named="a"))
    assert str(exc).splitlines() == ["The notebook belongs to the assignment 'a', not 'b'.",
                                     "Where: /x/key.json",
                                     "What to do: grade it with --assignment a and that assignment's key."]
    assert exc.message("pt").splitlines() == ["O caderno pertence à atividade 'a', não a 'b'.",
                                              "Onde: /x/key.json",
                                              "O que fazer: corrija-o com --assignment a e o gabarito dessa "
                                              "atividade."]


# ---- the real command line, in both languages ------------------------------------------------------

def cli(*args: str | Path, lang: str | None) -> Result:
    env: dict[str, str | None] = {"AUTOGRADER_LANG": lang or None}
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def unreadable(path: Path) -> Path:
    path.write_text('{"cells": [ {"cell_type": ', encoding="utf-8")
    return path


def test_grade_speaks_the_assignments_language_unless_told_otherwise(tmp_path: Path) -> None:
    """cnn_treinamento is a Portuguese assignment: with no --lang and no $AUTOGRADER_LANG a TA
    reads Portuguese; --lang en (or AUTOGRADER_LANG=en) gives English, every line of it."""
    nb = unreadable(tmp_path / "ana.ipynb")
    pt = cli("grade", nb, "--assignment", CNN.name, "--key", SMOKE_KEY, "--out", tmp_path / "pt.json",
             lang=None)
    assert pt.exit_code == 6, pt.output
    assert f"resultado gravado em {tmp_path / 'pt.json'}" in pt.output
    assert "written" not in pt.output and "result" not in pt.output.replace("resultado", "")
    en = cli("grade", nb, "--assignment", CNN.name, "--key", SMOKE_KEY, "--out", tmp_path / "en.json",
             "--lang", "en", lang="pt")
    assert en.exit_code == 6, en.output
    assert f"result written to {tmp_path / 'en.json'}" in en.output
    assert "gravado" not in en.output
    # what the student reads does not follow the operator's terminal: the result is the same
    assert json.loads((tmp_path / "pt.json").read_text())["score"] == 0


def test_an_error_before_the_assignment_is_known_follows_autograder_lang(tmp_path: Path) -> None:
    missing = tmp_path / "nenhum.json"
    pt = cli("key", "report", missing, lang="pt_BR.UTF-8")
    en = cli("key", "report", missing, lang=None)
    assert pt.exit_code == en.exit_code == 4, (pt.output, en.output)
    assert pt.output.startswith("erro: ") and f"\nOnde: {missing}" in pt.output
    assert "\nO que fazer: " in pt.output
    assert en.output.startswith("error: ") and f"\nWhere: {missing}" in en.output
    assert "\nWhat to do: " in en.output
    assert english_words(pt.output.replace(str(missing), "")) == set(), pt.output


def test_an_unknown_autograder_lang_is_a_usage_error() -> None:
    res = cli("assignment", "list", lang="fr")
    assert res.exit_code == 2
    assert "AUTOGRADER_LANG=fr" in res.output and "pt, en" in res.output


def test_the_gradebook_commands_speak_portuguese(tmp_path: Path) -> None:
    """A TA recording an override reads Portuguese from start to end (the gradebook from a real
    grade of an unreadable notebook, no kernel)."""
    results = tmp_path / "results"
    results.mkdir()
    assert cli("grade", unreadable(tmp_path / "ana.ipynb"), "--assignment", CNN.name, "--key", SMOKE_KEY,
               "--out", results / "ana.json", lang="en").exit_code == 6
    book = tmp_path / "gradebook.sqlite"
    imported = cli("gradebook", "import", results, "--gradebook", book, lang="pt")
    assert imported.exit_code == 0, imported.output
    assert imported.output.startswith("1 tentativa(s) de correção registrada(s), 0 já estavam lá")
    over = cli("gradebook", "override", "ana", "ex1", "2", "--gradebook", book, "--who", "monitora",
               "--why", "revisão", lang="pt")
    assert over.exit_code == 0, over.output
    assert over.output.startswith("alteração #1: ana ex1 = 2 ponto(s) (por monitora: revisão)")
    shown = cli("gradebook", "show", "--gradebook", book, lang="pt")
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith(f"{CNN.name}: 1 aluno(s)")
    nobody = cli("gradebook", "history", "bruno", "--gradebook", book, lang="pt")
    assert nobody.exit_code == 11
    assert "\nO que fazer: confira o identificador" in nobody.output
    for res in (imported, over, shown, nobody):
        assert not english_words(res.output.replace(str(book), "").replace(str(results), "")), res.output


@pytest.mark.parametrize("lang", LANGUAGES)
def test_assignment_build_check_in_each_language(lang: str) -> None:
    res = cli("assignment", "build", "--check", "--assignment", CNN.name, lang=lang)
    assert res.exit_code == 0, res.output
    assert res.output.strip() == translate("cli_up_to_date", lang, assignment=CNN.name)


# ---- the help, in both languages -------------------------------------------------------------------
# The help is looked up when shown (autograder.cli, "the help, in the operator's language"), so
# CliRunner's env= chooses it, and --lang on the same command line wins.

def _flat(text: str) -> str:
    return " ".join(text.split())  # click rewraps the help to the terminal's width


def test_grade_help_follows_autograder_lang() -> None:
    pt = cli("grade", "--help", lang="pt_BR.UTF-8")
    assert pt.exit_code == 0, pt.output
    assert "Corrige um caderno: grava o JSON do resultado e mostra um resumo." in _flat(pt.output)
    assert "Onde gravar o JSON do resultado (padrão: <submission>.result.json)." in _flat(pt.output)
    assert "Grade one notebook" not in pt.output
    for lang in ("en", None, "fr"):  # English, also when unset or unknown (help never fails)
        en = cli("grade", "--help", lang=lang)
        assert en.exit_code == 0, en.output
        assert "Grade one notebook: writes the result JSON and prints a summary." in _flat(en.output)
        assert "Where to write the result JSON (default: <submission>.result.json)." in _flat(en.output)
        assert "Corrige" not in en.output


def test_help_follows_lang_before_or_after_help() -> None:
    for args in (("--help", "--lang", "pt"), ("--lang", "pt", "--help"), ("--lang=pt", "--help")):
        res = cli("grade", *args, lang="en")
        assert res.exit_code == 0, res.output
        assert "Corrige um caderno" in res.output and "Grade one notebook" not in res.output
    assert "Grade one notebook" in cli("grade", "--help", "--lang", "en", lang="pt").output


def _commands(cmd: click.Command, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = [(path, cmd)]
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        found += _commands(sub, (*path, name))
    return found


def test_every_help_comes_from_the_catalogue() -> None:
    """Every command, group and option with a help has it as a catalogue Msg, and the whole
    Portuguese help (of `autograder --help` and of each command) holds no English sentence."""
    literal = [(path, p.name) for path, c in _commands(main) for p in [c, *c.params]
               if isinstance(p, click.Command | click.Option) and p.help
               and getattr(p, "help_msg", None) is None]
    assert literal == []
    for path, _ in _commands(main):
        res = cli(*path, "--help", lang="pt")
        assert res.exit_code == 0, (path, res.output)
        assert "Mostra esta mensagem e sai." in res.output
        assert not english_words(res.output), (path, english_words(res.output))


@pytest.mark.parametrize("name", ["cnn_treinamento", "redes_densas"])
def test_the_example_class_tells_each_story_in_both_languages(name: str) -> None:
    """`autograder example` says what each example student shows, in the operator's language."""
    from autograder.assignment import load_assignment

    example = load_assignment(name).example()
    assert example is not None
    for s in example.students:
        assert set(s.story) == set(LANGUAGES), s.name
        assert not english_words(s.story_in("pt")), s.story_in("pt")
        assert s.story_in("en") != s.story_in("pt")


def test_a_story_given_as_one_text_is_said_in_every_language() -> None:
    from autograder.assignment import ExampleStudent, _story

    s = ExampleStudent(name="Ana", participant=1, email="a@x", story=_story("correct: full marks"))
    assert s.story_in("pt") == s.story_in("en") == "correct: full marks"
