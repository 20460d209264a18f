"""Student reports and the class summary: translation, the reveal rule, self-contained HTML."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from autograder import plots, report
from autograder.assignment import Assignment
from autograder.i18n import Msg, encode
from autograder.keymodel import AnswerKey
from autograder.results import RESULT_SCHEMA_VERSION, GradeResult, Student
from tests.common import CNN
from tests.test_report_fixtures import (  # noqa: F401
    KEY_PATH,
    KEY_WARNING,
    LR_ERROR,
    assignment_fixture,
    key_fixture,
    results_fixture,
)

DUE = datetime(2024, 6, 10, 23, 59, tzinfo=UTC)


def html(r: GradeResult, k: AnswerKey, a: Assignment, **kw: object) -> str:
    return report.student_report(r, k, a, fmt="html", **kw)  # type: ignore[arg-type]


def md(r: GradeResult, k: AnswerKey, a: Assignment, **kw: object) -> str:
    return report.student_report(r, k, a, fmt="md", **kw)  # type: ignore[arg-type]


def failed_expected(r: GradeResult) -> list[str]:
    """How each failed check's expected value (or band) would be printed (letters are tested
    through their sentence: a lone "d" is everywhere in a page)."""
    out = []
    for e in r.exercises:
        for c in e.checks:
            if c.status == "pass" or c.expected is None or c.kind == "letter":
                continue
            out.append(report.show_value(c.expected))
            if c.kind in report.TOLERANCE_REVEALS and c.tolerance:
                out.append(str(report.tolerance_text(c, "pt", True)))  # as shown: rounded, in Portuguese
    return out


# ---- content and translation ----------------------------------------------------------------

def test_portuguese_report_says_what_happened(results, key, assignment) -> None:
    text = html(results["bruno"], key, assignment, lang="pt")
    for sentence in ("Relatório de correção", "Nota total", "Bruno Lima",
                     "Hinge calculada com rótulos 0/1",  # misconception named
                     "Média em vez de soma",
                     "Erro original", "ValueError", "Argument(s) not recognized",
                     "otimizador = keras.optimizers.Adam(lr=0.02)", "Célula 24",
                     "<code>lr=</code> não existe no Keras 3",
                     "erro ao executar", "re-executado pelo corretor",  # status, verification
                     "Valor fora da tolerância aceita",  # a *_hidden message
                     "3 de 4 tamanhos de batch dentro da faixa aceita",
                     "Limite não aplicado neste sistema: memory",  # sandbox limit not enforced
                     "Avisos sobre o gabarito", KEY_WARNING,
                     "Funções de custo após regressão logística"):  # contract title
        assert sentence.replace("'", "&#39;") in text, sentence
    assert text.count("Erro original") == 1  # only exercise 7 failed; no follow-on errors
    assert "Total score" not in text


def test_a_check_names_its_misconception_in_words(results, key, assignment) -> None:
    """The row of a failed check says the misconception's sentence (from the assignment's
    messages.json), not its bare id."""
    for lang, sentence in (("pt", "Hinge calculada com rótulos 0/1"),
                           ("en", "Hinge computed with 0/1 labels")):
        view = report.student_view(results["bruno"], key, assignment, lang=lang)
        row = next(c for e in view.exercises for c in e.checks if c.id == "ex1.loss_hi")
        assert sentence in row.misconception, (lang, row.misconception)
        line = next(x for x in md(results["bruno"], key, assignment, lang=lang).splitlines()
                    if x.startswith("| `ex1.loss_hi`"))
        assert sentence in line and "hinge_01_labels" not in line, line


def test_english_report_is_translated(results, key, assignment) -> None:
    text = html(results["bruno"], key, assignment, lang="en")
    for sentence in ("Grading report", "Total score", "Hinge computed with 0/1 labels",
                     "Original error", "error while running", "Out of the accepted tolerance",
                     "Loss functions after logistic regression", "Limit not applied on this system"):
        assert sentence in text, sentence
    assert "Nota total" not in text
    diego = html(results["diego"], key, assignment, lang="en")
    assert "time limit reached" in diego and "The exercise&#39;s time budget (300 s) ran out." in diego


def test_invalid_submission_report(results, key, assignment) -> None:
    text = html(results["carla"], key, assignment, lang="pt")
    assert "submissão inválida" in text
    assert "não é o caderno distribuído" in text
    assert "<tbody>" in text and "não executado" in text
    assert "<figure>" not in text


def test_student_strings_are_escaped(results, key, assignment) -> None:
    evil = dataclasses.replace(results["ana"], student=Student("x<1>", "<script>alert(1)</script> | *a*"))
    text = html(evil, key, assignment)
    assert "<script>" not in text and "&lt;script&gt;" in text
    line = md(evil, key, assignment).split("\n")[2]  # the student line: no raw HTML, no table break
    assert "<script>" not in line and "&lt;script&gt;" in line and "\\| *a*" in line


# ---- the reveal rule ---------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["html", "md"])
def test_reveal_never_hides_expected_values_and_letters(results, key, assignment, fmt) -> None:
    bruno = results["bruno"]
    text = report.student_report(bruno, key, assignment, fmt=fmt, reveal="never")
    hidden = failed_expected(bruno)
    assert hidden, "the fixture must have failed checks with expected values"
    for shown in hidden:
        assert shown not in text, shown
    assert "a resposta oficial é" not in text and "(d)" not in text  # ex1's official letter
    assert "Esperado" not in text
    assert "não são mostrados" in text


def test_reveal_always_shows_expected_values_and_letters(results, key, assignment) -> None:
    bruno = results["bruno"]
    text = html(bruno, key, assignment, reveal="always")
    assert "Alternativa incorreta: a resposta oficial é (d)." in text
    assert "Esperado" in text
    for shown in failed_expected(bruno):
        assert shown in text, shown


def test_reveal_after_due_follows_the_date(results, key, assignment) -> None:
    bruno = results["bruno"]
    before = html(bruno, key, assignment, reveal="after_due", due=DUE, now=DUE - timedelta(days=1))
    after = html(bruno, key, assignment, reveal="after_due", due=DUE, now=DUE + timedelta(minutes=1))
    assert "a resposta oficial é (d)" not in before and "2024-06-10T23:59" in before
    assert "a resposta oficial é (d)" in after
    with pytest.raises(ValueError, match="due date"):
        html(bruno, key, assignment, reveal="after_due")


def test_plots_show_the_key_only_when_expected_values_may_be_shown(results, key, assignment) -> None:
    ex7 = next(e for e in results["ana"].exercises if e.id == "ex7")
    own = plots.exercise_plots(ex7, key, show_key=False, lang="pt", specs=CNN.plots("ex7"),
                               messages=CNN.messages)
    with_key = plots.exercise_plots(ex7, key, show_key=True, lang="pt", specs=CNN.plots("ex7"),
                                    messages=CNN.messages)
    assert [p.name for p in own] == ["ex7_A", "ex7_B"]
    assert all(a.png != b.png for a, b in zip(own, with_key, strict=True))
    never = report.student_view(results["ana"], key, assignment, reveal="never")
    always = report.student_view(results["ana"], key, assignment, reveal="always")
    view_plots = {p.name: p.png for e in never.exercises for p in e.plots}
    assert set(view_plots) == {"ex7_A", "ex7_B", "ex8_test_mse", "ex10_loss"}
    assert view_plots["ex7_A"] == own[0].png
    assert {p.name: p.png for e in always.exercises for p in e.plots}["ex7_A"] == with_key[0].png
    assert "faixas de referência aparecem" in html(results["ana"], key, assignment)


def test_plots_survive_odd_student_series(results, key) -> None:
    ex7 = next(e for e in results["ana"].exercises if e.id == "ex7")
    odd = dataclasses.replace(ex7, series={"A": {"loss": ["NaN", None, True, 3.0, 1e400], "val_loss": "x"},
                                           "B": "not a dict"})
    names = [p.name for p in plots.exercise_plots(odd, key, show_key=True, lang="en",
                                                  specs=CNN.plots("ex7"), messages=CNN.messages)]
    assert names == ["ex7_A"]
    ex8 = next(e for e in results["ana"].exercises if e.id == "ex8")
    assert plots.exercise_plots(dataclasses.replace(ex8, series={"test_mse": {"a": 1}}), key,
                                show_key=True, lang="en", specs=CNN.plots("ex8"),
                                messages=CNN.messages) == []


# ---- self-contained output ---------------------------------------------------------------------

def test_html_is_self_contained(results, key, assignment) -> None:
    for r in results.values():
        text = html(r, key, assignment, reveal="always")
        assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, re.I)
        assert "<script" not in text and "<link" not in text
        for src in re.findall(r'<img src="([^"]+)"', text):
            assert src.startswith("data:image/png;base64,")


def test_markdown_links_the_png_files_it_returns(results, key, assignment) -> None:
    view = report.student_view(results["ana"], key, assignment)
    rendered = report.render_student(view, "md", asset_dir="1001_files")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", rendered.text)
    assert sorted(links) == sorted(rendered.files) and len(links) == 4
    assert all(data.startswith(b"\x89PNG") for data in rendered.files.values())


# ---- class summary ------------------------------------------------------------------------------

def test_class_summary(results, key, assignment) -> None:
    text = report.class_summary(list(results.values()), key, assignment, lang="pt", fmt="html")
    for sentence in ("Resumo da turma", "4 submissões lidas.", "mediana", "Acerto por exercício",
                     "Hinge calculada com rótulos 0/1", "hinge_01_labels",
                     "Carla Dias (1003)", "submissão inválida",
                     "Bruno Lima (1002)", "ValueError: Argument(s) not recognized",
                     "Diego Alves (1004)", "tempo esgotado",
                     *[report.drift_text(d, "pt") for d in key.drift.values()
                       if d.status not in report.DRIFT_OK],  # key drift, in Portuguese
                     KEY_WARNING, "(×4)"):
        assert sentence.replace("'", "&#39;") in text, sentence
    assert "Exercise " not in text and "the official answer" not in text
    assert text.count('src="data:image/png;base64,') == 1  # the histogram
    md_text = report.class_summary(list(results.values()), key, assignment, lang="en", fmt="md")
    assert "Class summary" in md_text and "Most common misconceptions" in md_text


def test_render_reports_is_robust(tmp_path: Path, results, key, assignment) -> None:
    src = tmp_path / "results"
    src.mkdir()
    for name, r in results.items():
        (src / f"{name}.json").write_text(r.to_json(), encoding="utf-8")
    twin = dataclasses.replace(results["ana"], submission_path="/submissions/ana-late.ipynb")
    (src / "ana_again.json").write_text(twin.to_json(), encoding="utf-8")
    (src / "broken.json").write_text("{not json", encoding="utf-8")
    (src / "other.json").write_text(json.dumps({"hello": 1}), encoding="utf-8")
    future = {**results["diego"].to_dict(), "schema_version": RESULT_SCHEMA_VERSION + 1}
    (src / "future.json").write_text(json.dumps(future), encoding="utf-8")
    warnings: list[Msg] = []
    written = report.render_reports(src, KEY_PATH, tmp_path / "out", lang="en", reveal="never",
                                    due=None, assignment=assignment, warn=warnings.append)
    names = {p.relative_to(tmp_path / "out").as_posix() for p in written}
    for stem in ("1001", "1001-2", "1002", "1003", "1004"):
        assert {f"{stem}.html", f"{stem}.md"} <= names
    assert "1001_files/ex7_A.png" in names and "class_summary_files/histogram.png" in names
    assert {"class_summary.html", "class_summary.md"} <= names
    assert len(warnings) == 4  # broken, other, future, and the duplicate id
    assert [m.id for m in warnings].count("report_skipped") == 3
    summary = (tmp_path / "out" / "class_summary.html").read_text(encoding="utf-8")
    assert "broken.json" in summary and "other.json: not a grading result" in summary
    assert "future.json" in summary and "5 submissions read." in summary
    assert all(p.exists() for p in written)


def test_cli_report_exit_code(tmp_path: Path, results) -> None:
    src = tmp_path / "results"
    src.mkdir()
    (src / "ana.json").write_text(results["ana"].to_json(), encoding="utf-8")
    said: list[Msg] = []
    assert report.cli_report(src, KEY_PATH, tmp_path / "out", echo=said.append) == 0
    (src / "bad.json").write_text("[]", encoding="utf-8")
    assert report.cli_report(src, KEY_PATH, tmp_path / "out", echo=said.append) == report.CORRUPT_RESULT_EXIT
    lines = [m.text("en") for m in said]
    assert "error: result file not read: bad.json: not a grading result" in lines
    assert "erro: arquivo de resultado não lido: bad.json: não é um resultado de correção" in \
        [m.text("pt") for m in said]
    with pytest.raises(ValueError, match="due date") as err:
        report.cli_report(src, KEY_PATH, tmp_path / "out", reveal="after_due", echo=said.append)
    assert "data de entrega" in err.value.msg.text("pt")  # type: ignore[attr-defined]


# ---- 7. feedback in one language, readable ----------------------------------------------------------

ENGLISH = ("time budget", "ran out", "not valid JSON", "ascending", "Mismatched elements",
           "All 10 elements", "Expected shape", "The key was built", "Exercise 7:", "official answer",
           "not plain data", "replay", "re-executed", "Obtained", "expected ", "Error in cell")


def _ex1_with_details(results: dict[str, GradeResult], key: AnswerKey) -> GradeResult:
    """Bruno, whose exercise 1 also has y_hat as a column (10, 1) and the losses in another order:
    checks whose comparison details are English sentences for the logs."""
    from autograder import checks, scoring
    from autograder.execute import ExerciseRun

    bruno = results["bruno"]
    ex = CNN.contract.exercise("ex1")
    extracted = {"ex1": {"y_hat": [[v] for v in key.quantity("ex1.y_hat").value],
                         "loss_qu": [3.0] * 10, "loss_ec": [0.1] * 10, "loss_01": [2.0] * 10,
                         "loss_hi": [1.5] * 10, "resposta_1": "b"}}
    run = ExerciseRun("ex1", "ok", None, 1.0, extracted)
    res = scoring.exercise_result("ex1", 1, True, run, checks.evaluate_exercise(
        ex, extracted, key, CNN.contract, CNN.hooks.own_letters))
    assert {c.message_id for c in res.checks} & {"shape_mismatch", "wrong_order"}, res.checks
    return dataclasses.replace(bruno, exercises=(res, *bruno.exercises[1:]))


@pytest.mark.parametrize("reveal", ["never", "always"])
def test_portuguese_feedback_has_no_english(results, key, assignment, reveal) -> None:
    """Reports, the class summary, Moodle comments and Gradescope output in Portuguese: every
    sentence from the catalogue (the student's own error messages aside)."""
    from autograder.export import gradescope, moodle

    everyone = [*results.values(), _ex1_with_details(results, key)]
    texts = [report.class_summary(everyone, key, assignment, lang="pt", fmt="md")]
    for r in everyone:
        texts.append(md(r, key, assignment, lang="pt", reveal=reveal))
        texts.append(moodle.feedback_comment(r, assignment, "pt"))
        gs = gradescope.results_json(r, lang="pt", reveal=reveal, assignment=assignment)
        texts.append(gs["output"] + "\n".join(t["output"] for t in gs["tests"]))
    for text in texts:
        own = text.replace(LR_ERROR_TEXT, "")
        for phrase in ENGLISH:
            assert phrase not in own, (phrase, own[max(0, own.find(phrase) - 200):own.find(phrase) + 200])


LR_ERROR_TEXT = "Argument(s) not recognized: {'lr': 0.02}"


def test_numbers_are_rounded_and_the_exact_value_is_kept(results, key, assignment) -> None:
    assert report.show_value(0.14212345678) == "0.1421"
    assert report.show_value(586.16234) == "586.2"
    assert report.show_value(0.00080317847) == "0.0008032"
    assert report.show_value(196154) == "196 154"
    assert report.show_value({"128": 1.0, "16": 2.0, "2": 3.5, "256": 0.123456}) == \
        "{2: 3.5, 16: 2, 128: 1, 256: 0.1235}"
    text = html(_ex1_with_details(results, key), key, assignment, reveal="always")
    assert 'title="[[' in text  # the exact value behind a rounded one, on hover
    assert "4 algarismos significativos" in text


def test_no_column_title_is_used_twice(results, key, assignment) -> None:
    for lang in ("pt", "en"):
        text = html(results["bruno"], key, assignment, lang=lang, reveal="always")
        titles = re.findall(r"<th>([^<]+)</th>", text)
        overview = titles[:4]
        checks_table = titles[4:4 + len(set(titles[4:]))]
        assert len(set(overview) | set(checks_table)) == len(overview) + len(checks_table), (lang, titles)


def test_a_conceptual_exercise_is_not_labelled_re_executed(results, key, assignment) -> None:
    view = report.student_view(results["ana"], key, assignment, lang="pt")
    ex2 = next(e for e in view.exercises if e.id == "ex2")
    assert ex2.verification_text == "só a alternativa é lida"
    ex1 = next(e for e in view.exercises if e.id == "ex1")
    assert ex1.verification_text == "re-executado pelo corretor"


def test_another_profiles_notebook_is_said_loudly(results, key, assignment) -> None:
    graded = dataclasses.replace(results["ana"], restored_cells=("ex7-given-3 (edited)",),
                                 messages=(encode("profile_mismatch", notebook="full", key="smoke"),))
    text = html(graded, key, assignment, lang="pt")
    assert "ATENÇÃO: este caderno foi gerado para o perfil &#39;full&#39;" in text
    assert "Células do professor restauradas" in text and "ex7-given-3 (editada" in text
    assert "WARNING: this notebook was generated" in md(graded, key, assignment, lang="en")


def test_the_budget_and_the_interrupt_rule_are_shown(results, key, assignment) -> None:
    text = md(results["diego"], key, assignment, lang="pt")
    assert "300.0 s de 300 s" in text
    assert "max(60 s, 3 × o tempo da execução mais rápida registrada)" in text
    assert "Como foi lido: a célula foi interrompida no fim do tempo" in text
    assert "O tempo do exercício (300 s) acabou." in text
    assert re.search(r"\(Célula \d+ \(contando a partir de 1\)\)", text)  # where it stopped: no line to give
    assert "linha ?" not in text
