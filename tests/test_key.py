"""The answer key: tolerance rule, drift verdicts, the plan of runs, the committed keys, and an
end-to-end smoke build that resumes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from autograder.assignment import Assignment, Run, load_assignment
from autograder.environment import Environment, compatibility_warnings
from autograder.errors import AssignmentError, KeyError_
from autograder.i18n import _CATALOGUE, decode, translate
from autograder.keyassemble import BandPolicy, assemble, band, drift_verdict, merge_intervals
from autograder.keybuild import band_rules, plan, render_report
from autograder.keymodel import KEY_SCHEMA_VERSION, key_from_dict, load_key

REPO = Path(__file__).resolve().parents[1]
MSE = BandPolicy(rel=0.35, abs=2.0)


@pytest.fixture(scope="module")
def cnn() -> Assignment:
    return load_assignment(REPO / "assignments" / "cnn_treinamento")


def _recorded_runs(assignment: Assignment, profile: str) -> list[Run]:
    runs = []
    for spec in plan(assignment, profile):
        path = assignment.path("keys", profile, "runs", f"{spec.name}.json")
        runs.append(Run(spec.exercise, spec.seeding, spec.index, json.loads(path.read_text())))
    return runs


def test_band_is_a_union_around_each_mode_not_mean_plus_k_std() -> None:
    # three healthy runs near 22 and one degenerate run at 586 (bimodal)
    values = [21.0, 22.5, 24.0, 586.0]
    dead = [False, False, False, True]
    intervals = band(values, dead, MSE)
    assert len(intervals) == 2
    (lo1, hi1), (lo2, hi2) = intervals
    assert lo1 < 21.0 and hi1 > 24.0 and hi1 < 100, "healthy mode, not inflated by the degenerate run"
    assert lo2 < 586.0 < hi2, "the degenerate mode is an honest outcome and stays accepted"
    inside = lambda v: any(lo <= v <= hi for lo, hi in intervals)  # noqa: E731
    assert not inside(300.0), "nothing between the modes"


def test_band_floors_apply_when_runs_agree() -> None:
    intervals = band([10.0, 10.0], [False, False], BandPolicy(rel=0.2, abs=0.5))
    assert intervals == [[8.0, 12.0]]
    ((lo, hi),) = band([0.001], [False], BandPolicy(rel=0.5, abs=0.05))
    assert (lo, hi) == pytest.approx((-0.049, 0.051))


def test_merge_intervals() -> None:
    assert merge_intervals([(5, 7), (1, 3), (2, 4)]) == [[1, 4], [5, 7]]


def test_bands_are_clipped_to_physical_limits_and_ignore_diverged_runs() -> None:
    ce = BandPolicy(rel=0.5, abs=0.05, lower=0.0)
    assert band([0.001], [False], ce) == [[0.0, pytest.approx(0.051)]]
    acc = BandPolicy(rel=0.0, abs=0.06, lower=0.0, upper=1.0)
    assert band([1.0, 0.99], [False, False], acc) == [[pytest.approx(0.93), 1.0]]
    assert band([20.0, float("nan"), float("inf")], [False] * 3, MSE) == [[13.0, 27.0]]
    assert "within [0, 1]" in acc.describe()


def _fake(seeding: str, index: int, value: float, dead: bool = False) -> Run:
    return Run("ex8", seeding, index, {"v": value, "dead": dead, "wall_seconds": 10.0 * (index + 1)})


def test_notebook_runs_join_the_band_and_degenerate_values_are_recorded() -> None:
    from autograder.keyassemble import band_quantity, degenerate_value

    runs = [_fake("deterministic", 0, 20.0), _fake("sheet", 0, 21.0), _fake("notebook", 0, 60.0),
            Run("ex8", "variants", 0, {"zero": 615.86})]
    q = band_quantity("q", "d", "", runs, lambda d: d["v"], lambda d: d["dead"], MSE, "src",
                      degenerate={"dead_relu_output": degenerate_value(615.86)})
    assert q.observed == (21.0, 60.0), "the notebook run is observed beside the sheet-seeded one"
    assert any(lo <= 60.0 <= hi for lo, hi in q.tolerance["intervals"])
    assert q.degenerate["dead_relu_output"]["value"] == 615.86


def test_timings_come_from_the_training_runs_only(cnn: Assignment) -> None:
    runs = _recorded_runs(cnn, "smoke")
    key = assemble(cnn, cnn.profile("smoke"), runs, load_key(cnn.key_path("smoke")).environment, "now")
    ex8 = [r for r in runs if r.exercise == "ex8" and r.seeding in ("deterministic", "sheet")]
    assert key.timings["ex8"] == max(r.data["wall_seconds"] for r in ex8)
    assert key.runs["ex8"] == len([r for r in runs if r.exercise == "ex8"])


@pytest.mark.parametrize("profile", ["full", "smoke"])
def test_the_plotted_band_is_the_band_the_checks_use(cnn: Assignment, profile: str) -> None:
    from autograder import plots

    key = load_key(cnn.key_path(profile))
    for qid, q in key.quantities.items():
        if q.tolerance["kind"] != "envelope":
            continue
        env = plots.envelope(key, qid)
        final = key.quantity(q.tolerance["final"])
        assert env is not None and [list(iv) for iv in env.final] == final.tolerance["intervals"], qid
        assert list(env.degenerate) == [d["value"] for d in final.degenerate.values()]
        # the deterministic run lies inside its own band at every epoch
        for lo, v, hi in zip(env.lower, q.value, env.upper, strict=False):
            assert lo <= v <= hi, qid
    bands = plots._bands(key, "ex8.test_mse.", [int(b) for b in key.profile_settings["ex8_batches"]])
    for b, (_ref, intervals) in bands.items():
        assert [list(iv) for iv in intervals] == key.quantity(f"ex8.test_mse.{b}").tolerance["intervals"]


def test_drift_counts_runs_supporting_the_official_letter() -> None:
    runs = [Run("ex8", "deterministic", 0, {"supports": ["a"]}),
            Run("ex8", "sheet", 0, {"supports": ["a"]}),
            Run("ex8", "sheet", 1, {"supports": []})]
    d = drift_verdict(8, "a", runs)
    assert (d.status, d.runs_supporting_official, d.runs) == ("holds", 2, 3)
    d = drift_verdict(8, "a", [Run("ex8", "deterministic", 0, {"supports": ["b"]})])
    assert d.status == "does_not_hold" and d.letters_supported == {"b": 1}
    assert "supported by 0 of 1 runs" in d.summary


def test_plan_comes_from_the_manifest(cnn: Assignment) -> None:
    specs = plan(cnn, "full")
    assert [s.name for s in specs[:5]] == [f"{e}-deterministic-0" for e in cnn.reference_exercises]
    sheet = [s.name for s in specs if s.seeding == "sheet"]
    assert len(sheet) == sum(cnn.sheet_runs("full").values())
    override = {e: 1 for e in cnn.training_exercises}
    smoke = plan(cnn, "smoke", sheet_runs=override)
    assert len([s for s in smoke if s.seeding in ("deterministic", "sheet")]) == \
        len(cnn.reference_exercises) + len(override)
    assert [s.name for s in smoke if s.seeding == "variants"] == ["ex7-variants-0", "ex8-variants-0",
                                                                  "ex10-variants-0"]
    assert [s.name for s in smoke if s.seeding == "notebook"] == ["ex8-notebook-0", "ex8-notebook-1"]
    assert plan(cnn, "smoke", exercises=[cnn.reference_exercises[0]]) == specs[:1]
    with pytest.raises(AssignmentError, match="computes no 'nope'"):
        plan(cnn, "smoke", exercises=["nope"])


def test_key_environment_mismatch_warns_loudly() -> None:
    base = dict(python="3.11.7", tensorflow="2.21.0", keras="3.15.1", numpy="2.4.6",
                scikit_learn="1.9.1", platform="Linux", machine="x86_64", cpu="x")
    same = Environment(**base)
    other = Environment(**{**base, "tensorflow": "2.19.0"})
    assert compatibility_warnings(same, same) == []
    (w,) = compatibility_warnings(other, same)
    assert "tensorflow 2.19.0" in w and "Rebuild the key" in w


def test_bad_key_files_get_clear_errors(tmp_path: Path, cnn: Assignment) -> None:
    with pytest.raises(KeyError_, match="No answer key") as err:
        load_key(tmp_path / "nope.json")
    assert "keys/<profile>/key.json" in err.value.message()
    with pytest.raises(KeyError_) as err:
        load_key(tmp_path / "nope.json", default=cnn.key_path("full"))
    assert str(cnn.key_path("full")) in err.value.message()
    (tmp_path / "k.json").write_text("{not json")
    with pytest.raises(KeyError_, match="not valid JSON"):
        load_key(tmp_path / "k.json")
    with pytest.raises(KeyError_, match="not an answer key"):
        key_from_dict({"schema": "other"})


def test_a_version_1_key_is_told_to_re_assemble(cnn: Assignment) -> None:
    d = json.loads(cnn.key_path("smoke").read_text())
    assert d["schema_version"] == KEY_SCHEMA_VERSION == 2
    with pytest.raises(KeyError_) as err:
        key_from_dict({**d, "schema_version": 1})
    msg = err.value.message()
    assert "schema version 1" in msg and "autograder key build" in msg and "no training" in msg


def test_committed_full_key_is_loadable_and_complete(cnn: Assignment) -> None:
    path = cnn.key_path("full")
    if not path.exists():
        pytest.fail(f"{path} is not committed")
    key = load_key(path)
    assert key.profile == "full"
    assert key.assignment == cnn.identity()
    assert key.profile_settings == cnn.profile("full").to_dict()
    assert key.runs["ex7"] >= 6 and key.runs["ex8"] >= 6 and key.runs["ex10"] >= 3
    assert set(key.timings) == set(key.runs) == set(cnn.reference_exercises)
    assert key.quantity("ex10.Inception.params").value == 196154
    assert key.quantity("ex10.ResNet.params").value == 186058
    assert key.quantity("ex7.A.params").value == 369
    assert key.published["ex1.mean.loss_hi"] == 0.6805 and key.published["ex7.A.params"] == 369
    assert set(key.drift) == {"ex1", "ex3", "ex7", "ex8", "ex10"}
    report = path.with_name("report.md").read_text()
    published = translate("keyreport_col_published", cnn.language)
    assert f"| {published} |" in report and "2021" in report, "the assignment's intro and published values"


@pytest.mark.parametrize("name", ["cnn_treinamento", "redes_densas"])
@pytest.mark.parametrize("profile", ["full", "smoke"])
def test_committed_keys_are_what_their_recorded_runs_assemble_to(name: str, profile: str) -> None:
    """Re-assembling the committed runs (no training) gives the committed key, report included."""
    a = load_assignment(REPO / "assignments" / name)
    committed = load_key(a.key_path(profile))
    key = assemble(a, a.profile(profile), _recorded_runs(a, profile), committed.environment,
                   committed.built_at)
    again = key_from_dict(json.loads(key.to_json()))
    assert again == committed, (f"re-assemble keys/{profile}: "
                                f"`autograder key build --assignment {name} --profile {profile}`")
    report = a.key_path(profile).with_name("report.md").read_text()
    assert render_report(again, a.key_report_intro(a.language), a.language, messages=a.messages) == report


@pytest.mark.parametrize("name", ["cnn_treinamento", "redes_densas"])
def test_the_keys_sentences_are_the_assignments_messages(name: str) -> None:
    """Each quantity's description and each summary the assignment's ``keyrules`` wrote is a coded
    message of its ``messages.json``, in both languages with the same placeholders."""
    a = load_assignment(REPO / "assignments" / name)
    for profile in ("full", "smoke"):
        key = load_key(a.key_path(profile))
        texts = [q.description for q in key.quantities.values()]
        texts += [d.summary for d in key.drift.values() if d.status == "reproduces"]
        for text in texts:
            found = decode(text, a.messages)
            assert found is not None and found[0].startswith("key."), text
            pt, en = a.messages["pt"][found[0]], a.messages["en"][found[0]]
            assert pt != en and set(re.findall(r"{(\w+)}", pt)) == set(re.findall(r"{(\w+)}", en)) \
                == set(found[1]), found[0]


def test_a_plain_sentence_in_an_older_key_is_shown_as_it_is(cnn: Assignment) -> None:
    import dataclasses

    key = load_key(cnn.key_path("smoke"))
    q = dataclasses.replace(key.quantities["ex3.loss_qu"], description="quadratic loss at init")
    old = dataclasses.replace(key, quantities={**key.quantities, "ex3.loss_qu": q})
    text = render_report(old, "", "pt", messages=cnn.messages)
    assert "| `ex3.loss_qu` — quadratic loss at init |" in text
    assert "| `ex3.loss_ec` — entropia cruzada categórica na inicialização |" in text


def test_report_lists_each_distinct_band_rule(cnn: Assignment) -> None:
    key = load_key(cnn.key_path("smoke"))
    rules = band_rules(key)
    distinct = {q.tolerance["rule"] for q in key.quantities.values() if q.tolerance["kind"] == "band"}
    assert {rule for _label, rule, _qids in rules} == distinct and len(rules) == len(distinct)
    text = render_report(key)
    for label, rule, _qids in rules:
        assert f"**{label}**: {rule}" in text
    assert "ex8.test_mse.256" in text and f"({rules[0][0]})" in text


def test_the_report_speaks_portuguese_or_english(cnn: Assignment) -> None:
    """Every sentence of the report is the catalogue's in the language asked for; the engine's
    English in the key (drift summaries, band rules) is rebuilt in that language, the values not."""
    key = load_key(cnn.key_path("smoke"))
    pt = render_report(key, cnn.key_report_intro("pt"), "pt", messages=cnn.messages)
    en = render_report(key, cnn.key_report_intro("en"), "en", messages=cnn.messages)
    assert pt.startswith("# Relatório do gabarito — `cnn_treinamento` 1.0.0, perfil `smoke`\n")
    assert en.startswith("# Answer key report — `cnn_treinamento` 1.0.0, profile `smoke`\n")
    assert "## Cada resposta oficial ainda se confirma?" in pt and "**não se confirma**" in pt
    assert "## Does each official answer still hold?" in en and "**does not hold**" in en
    assert ("Exercício 7: a resposta oficial (b) é sustentada por 0 de 3 execuções de hoje; os números "
            "sustentam (a) em 3, (c) em 1; a execução determinística sustenta a.") in pt
    assert key.drift["ex7"].summary in en, "the English is the sentence the key records"
    assert "a execução determinística não sustenta nenhuma alternativa" in pt
    # the assignment's sentences (messages.json): the drift of exercises 1 and 3, the descriptions
    assert "- Exercício 1: as quatro médias reproduzem a folha com 4 casas decimais." in pt
    assert "- Exercise 1: the four means reproduce the sheet to 4 d.p." in en
    assert "| `ex7.A.final.loss` — modelo A: MSE de treino, última época |" in pt
    assert "| `ex7.A.final.loss` — model A: training MSE, last epoch |" in en
    assert "| `ex8.test_mse.256` — batch 256: MSE de teste após o treino |" in pt
    assert "| `ex10.ResNet.momentum` — ResNet: momentum do SGD |" in pt
    assert "model A:" not in pt and "key." not in pt and "key." not in en
    assert "dentro de [0, 1]" in pt and "within [0, 1]" in en
    assert cnn.key_report_intro("pt").splitlines()[0] in pt and "grading context" in en
    prose = re.sub(r"`[^`]*`", "", pt)  # the values in backticks (variant ids...) are not prose
    for mid in (i for i in _CATALOGUE["en"] if i.startswith("keyreport_")):
        english = _CATALOGUE["en"][mid]
        if "{" not in english and " " in english:  # each of its phrases
            assert english not in prose, mid
    for sentence in ("the official answer", "union over observed runs", "Honest degenerate",
                     "Runs and timings", "Profile settings", "the deterministic run supports"):
        assert sentence not in pt
    assert "- ex8: 6 execuções; a mais lenta levou 12.4 s" in pt and "- ex1: 1 run, which took 0.8 s" in en
    for value in ("615.858", "dead_relu_output", "`ex10_epochs=6`", "[13.48, 32.18] ∪ 615.858"):
        assert value in pt and value in en


def test_the_intro_is_read_in_each_language_and_falls_back(cnn: Assignment, tmp_path: Path) -> None:
    import dataclasses

    pt, en = cnn.key_report_intro("pt"), cnn.key_report_intro("en")
    assert "contexto da correção" in pt and "grading context" in en
    assert pt == cnn.path("key_report.md").read_text(encoding="utf-8")
    alone = dataclasses.replace(cnn, root=tmp_path)
    assert alone.key_report_intro("pt") == alone.key_report_intro("en") == ""
    (tmp_path / "key_report.en.md").write_text("Only English.\n", encoding="utf-8")
    assert alone.key_report_intro("pt") == alone.key_report_intro("en") == "Only English.\n"
    (tmp_path / "key_report.md").write_text("Só português.\n", encoding="utf-8")
    (tmp_path / "key_report.en.md").unlink()
    assert alone.key_report_intro("en") == "Só português.\n"


def test_cli_key_report_includes_the_assignments_intro(cnn: Assignment) -> None:
    from click.testing import CliRunner

    from autograder.cli import main

    result = CliRunner().invoke(main, ["key", "report", str(cnn.key_path("smoke")),
                                       "--assignment", str(cnn.root)], env={"AUTOGRADER_LANG": "en"})
    assert result.exit_code == 0, result.output
    assert cnn.key_report_intro("en").splitlines()[0] in result.output
    assert "Does each official answer still hold?" in result.output


@pytest.mark.training
@pytest.mark.slow
def test_smoke_key_build_end_to_end_and_resume(tmp_path: Path, keras_home: Path, cnn: Assignment) -> None:
    from autograder.keybuild import build

    log: list[str] = []
    runs = {"ex7": 1, "ex8": 1, "ex10": 1}
    key = build(cnn, "smoke", tmp_path, sheet_runs=runs, progress=lambda m: log.append(m.text("en")))
    # 5 deterministic + 3 sheet-seeded + 3 variants + 2 in the notebook
    started = [line for line in log if re.fullmatch(r"\[\d+/\d+\] [\w-]+: running", line)]
    assert len(started) == 13, started
    epochs = cnn.profile("smoke").ex10_epochs
    assert any(f"ex10 ResNet: epoch {epochs}/{epochs}" in line for line in log), "epoch progress is shown"
    nb = [json.loads((tmp_path / "runs" / f"ex8-notebook-{i}.json").read_text()) for i in (0, 1)]
    assert nb[0]["status"] == "ok" and nb[0]["ran_before"][-1] == "ex7"
    assert nb[0]["extracted"]["ex8"]["mse_por_batch"] == nb[1]["extracted"]["ex8"]["mse_por_batch"], \
        "the grading context is reproducible"
    assert key.drift["ex8"].details["notebook_runs_identical"] is True
    assert key.quantity("ex1.mean.loss_hi").variants["hinge_01_labels"] == pytest.approx(0.8403, abs=1e-4)
    assert key.quantity("ex7.A.final.loss").spread["n"] == 2
    assert key.quantity("ex7.A.final.loss").tolerance["kind"] == "band"
    assert key.environment.tensorflow != "not installed"
    assert key.assignment == cnn.identity()
    report = (tmp_path / "report.md").read_text()
    assert "Cada resposta oficial ainda se confirma?" in report and "0.6805" in report  # the assignment's pt
    on_disk = load_key(tmp_path / "key.json")
    assert on_disk.quantity("ex3.loss_ec").value == 1.6093879136840585
    assert "[progress]" not in (tmp_path / "runs" / "ex10-sheet-0.log").read_text()

    # interrupted build: one run lost; re-running redoes only that one
    (tmp_path / "runs" / "ex8-sheet-0.json").unlink()
    log.clear()
    build(cnn, "smoke", tmp_path, sheet_runs=runs, progress=lambda m: log.append(m.text("en")))
    assert [line for line in log if line.endswith(": running")] == ["[7/13] ex8-sheet-0: running"]
    assert sum("already done" in line for line in log) == 12
    assert json.loads((tmp_path / "key.json").read_text())["runs"]["ex8"] == 5  # + variants, 2 notebook

