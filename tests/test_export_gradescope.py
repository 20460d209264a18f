"""Gradescope results.json (against the spec's fields) and the autograder bundle."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from autograder.export import gradescope
from tests.common import CNN, REPO
from tests.test_report_fixtures import KEY_PATH, assignment_fixture, key_fixture, results_fixture  # noqa: F401

# The fields of https://gradescope-autograders.readthedocs.io/en/latest/specs/ ("Output format")
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
SPEC = {
    "type": "object",
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "score": {"type": "number"}, "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]}, "name": {"type": "string"},
                "number": {"type": "string"}, "output": {"type": "string"},
                "visibility": VISIBILITY, "tags": {"type": "array"}, "extra_data": {"type": "object"},
            },
            "additionalProperties": False,
        }},
    },
    # "score" is required unless every test has one
    "anyOf": [{"required": ["score"]},
              {"required": ["tests"], "properties": {"tests": {"items": {"required": ["score"]}}}}],
}
DUE = datetime(2024, 6, 10, 23, 59, tzinfo=UTC)


def validate(data: dict[str, Any]) -> None:
    jsonschema.validate(data, SPEC)
    json.dumps(data, allow_nan=False)


def test_results_json_follows_the_spec(results, assignment) -> None:
    for r in results.values():
        data = gradescope.results_json(r, lang="pt", assignment=assignment)
        validate(data)
        assert data["score"] == r.score
        assert len(data["tests"]) == sum(len(e.checks) for e in r.exercises)
        assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(
            sum(c.max_points for e in r.exercises for c in e.checks))


def test_one_test_per_check_with_translated_output(results, assignment) -> None:
    data = gradescope.results_json(results["bruno"], lang="en", reveal="never", assignment=assignment)
    tests = {t["name"].split(" · ")[1]: t for t in data["tests"]}
    assert tests["ex1.loss_hi"]["status"] == "failed"
    assert "Out of the accepted tolerance" in tests["ex1.loss_hi"]["output"]
    assert "Hinge computed with 0/1 labels" in tests["ex1.loss_hi"]["output"]
    # the wrong letter is named too (the distractor's misconception), after the verdict
    assert tests["ex1.letter"]["output"].startswith("Wrong option.\n")
    context = "Original error in this exercise: Error in cell 24, line 3: ValueError"
    assert context in tests["ex7.B.params"]["output"]
    assert tests["ex1.y_hat"]["name"].startswith("Exercise 1: Loss functions")
    assert "Error in cell 24" in data["output"] and "ValueError" in data["output"]


def test_results_json_reveal(results, assignment) -> None:
    never = gradescope.results_json(results["bruno"], reveal="never", assignment=assignment)
    assert "a resposta oficial" not in json.dumps(never, ensure_ascii=False)
    always = gradescope.results_json(results["bruno"], reveal="always", assignment=assignment)
    assert any("a resposta oficial é (d)" in t["output"] for t in always["tests"])
    before = gradescope.results_json(results["bruno"], reveal="after_due", due=DUE,
                                     created_at=DUE - timedelta(hours=1), assignment=assignment)
    validate(before)
    # no hidden test (Gradescope would hide the total score): the expected values wait on stdout
    assert {t["visibility"] for t in before["tests"]} == {"visible"}
    assert "a resposta oficial" not in json.dumps(before, ensure_ascii=False)
    assert before["stdout_visibility"] == "after_due_date"
    assert any(line.startswith("ex1.letter:") for line in gradescope.expected_values(results["bruno"], "pt"))


def test_module_entry_point(tmp_path: Path, results) -> None:
    src, out = tmp_path / "result.json", tmp_path / "results" / "results.json"
    src.write_text(results["diego"].to_json(), encoding="utf-8")
    meta = tmp_path / "submission_metadata.json"
    meta.write_text(json.dumps({"assignment": {"due_date": "2000-01-01T00:00:00.000000-03:00"}}))
    assert gradescope.main([str(src), str(out), "--lang", "en", "--reveal", "after_due",
                            "--metadata", str(meta)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    validate(data)
    assert data["score"] == results["diego"].score and "time limit reached" in data["output"]
    assert gradescope.main(["--no-submission", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["score"] == 0


# ---- the bundle ----------------------------------------------------------------------------------

STUB = """
import json, sys
from pathlib import Path
sys.path.insert(0, {repo!r})
from autograder.keymodel import load_key
from tests.common import CNN
from tests.test_report_fixtures import build_results
args = sys.argv[1:]
sub, key, out = args[0], args[args.index("--key") + 1], args[args.index("--out") + 1]
assert Path(sub).suffix == ".ipynb" and Path(key).name == "key.json"
spec = Path(args[args.index("--assignment") + 1])  # the bundle's own copy of the assignment
assert (spec / "contract.json").read_bytes() == CNN.path("contract.json").read_bytes(), args
print("stub grading", Path(sub).name)
if "broken" in Path(sub).name:
    sys.exit("the stub grader failed")
Path(out).write_text(build_results(CNN.contract, load_key(Path(key)))["bruno"].to_json())
"""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "gradescope_autograder"
    zpath = gradescope.write_bundle(out, KEY_PATH, CNN, lang="en", reveal="never")
    assert zpath == out.with_suffix(".zip")
    return out


def test_bundle_layout(bundle: Path) -> None:
    for name in ("setup.sh", "run_autograder"):
        assert os.access(bundle / name, os.X_OK), name
        assert (bundle / name).read_text().startswith("#!/usr/bin/env bash")
    assert (bundle / "key.json").read_bytes() == KEY_PATH.read_bytes()
    pkg = bundle / "dl_autograder"
    for part in ("pyproject.toml", "README.md", "autograder/report.py", "templates/student_report.html.j2",
                 "assignments/cnn_treinamento/contract.json",
                 "assignments/cnn_treinamento/assignment.toml",
                 "assignments/cnn_treinamento/reference/ex07_adam_decay.py"):
        assert (pkg / part).is_file(), part
    assert not list(pkg.rglob("__pycache__"))
    own = bundle / "assignment"  # the assignment travels as a folder; its one key is key.json
    for part in ("assignment.toml", "contract.json", "source.md", "messages.json", "__init__.py"):
        assert (own / part).read_bytes() == CNN.path(part).read_bytes(), part
    assert not (own / "keys").exists()
    run = (bundle / "run_autograder").read_text()
    assert "-m autograder.export.gradescope run" in run and 'chmod 700 "$private"' in run
    setup = (bundle / "setup.sh").read_text()
    env = json.loads(KEY_PATH.read_text())["environment"]
    assert f'"tensorflow-cpu=={env["tensorflow"]}"' in setup and f'"keras=={env["keras"]}"' in setup
    with zipfile.ZipFile(bundle.with_suffix(".zip")) as zf:
        names = zf.namelist()
        assert "setup.sh" in names and "run_autograder" in names  # at the zip's root
        assert zf.getinfo("run_autograder").external_attr >> 16 & 0o111
    for script in ("setup.sh", "run_autograder"):
        subprocess.run(["bash", "-n", str(bundle / script)], check=True)


def test_the_zip_unpacks_to_the_bundle_folder_empty_folders_included(bundle: Path, tmp_path: Path) -> None:
    """Gradescope unzips the bundle into /autograder/source and setup.sh builds the grader from
    it. The package lists its assignments' keys/ folders, which the bundle leaves empty: unzipped
    without them, the package did not build (seen on Ubuntu 22.04, bench/gradescope_jammy.sh)."""
    with zipfile.ZipFile(bundle.with_suffix(".zip")) as zf:
        zf.extractall(tmp_path / "source")

    def tree(root: Path) -> set[str]:
        return {p.relative_to(root).as_posix() + ("/" if p.is_dir() else "") for p in root.rglob("*")}

    assert tree(tmp_path / "source") == tree(bundle)
    keys = tmp_path / "source" / "dl_autograder" / "assignments" / "cnn_treinamento" / "keys"
    assert keys.is_dir() and not [p for p in keys.rglob("*") if p.is_file()]  # no key but key.json


# uv where GitHub cannot be reached: the lines it printed on Ubuntu 22.04 (bench/gradescope_jammy.sh)
UNREACHABLE_UV = """#!/bin/sh
case "$1" in
  --version) echo "uv 0.13.9" ;;
  python) echo "error: Failed to install cpython-$3-linux-x86_64-gnu" >&2
          echo "  cause: Request failed after 3 retries in 6.8s" >&2
          echo "  cause: failed to lookup address information: Name or service not known" >&2
          exit 1 ;;
  *) echo "uv $*: not expected in this test" >&2; exit 2 ;;
esac
"""


def test_setup_stops_with_what_to_do_when_no_python_of_the_key_minor_exists(tmp_path: Path) -> None:
    """uv cannot download the key's Python and the image has no Python of that minor version
    (here 3.99): setup.sh stops before creating anything, saying why and what to do."""
    key = json.loads(KEY_PATH.read_text())
    key["environment"]["python"] = "3.99.1"
    key_path = tmp_path / "key.json"
    key_path.write_text(json.dumps(key), encoding="utf-8")
    root, prefix = tmp_path / "autograder", tmp_path / "prefix"
    (root / "source").mkdir(parents=True)
    setup = root / "source" / "setup.sh"
    setup.write_text(gradescope.setup_script(key_path), encoding="utf-8")
    (prefix / "uv" / "bin").mkdir(parents=True)
    (prefix / "uv" / "bin" / "uv").write_text(UNREACHABLE_UV, encoding="utf-8")
    (prefix / "uv" / "bin" / "uv").chmod(0o755)
    user = "agk-no-python"
    env = {"PATH": "/usr/bin:/bin", "AUTOGRADER_GS_ROOT": str(root), "AUTOGRADER_GS_PREFIX": str(prefix),
           "AUTOGRADER_GS_APT": "0", "AUTOGRADER_GS_KERNEL_USER": user}
    done = subprocess.run(["bash", str(setup)], env=env, capture_output=True, text=True, timeout=120)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "error: Failed to install cpython-3.99.1" in out  # uv's own words are shown
    assert "uv could not install Python 3.99.1" in out and "ERROR: no Python 3.99 here" in out
    assert "github.com" in out and "a Gradescope base image that packages" in out
    assert "python3.99" in out and "autograder key build" in out
    assert not (prefix / "env").exists()
    assert subprocess.run(["id", "-u", user], capture_output=True).returncode != 0  # no user made


def _gradescope_root(tmp_path: Path, bundle: Path, notebook: str | None) -> Path:
    """A folder laid out like Gradescope's /autograder."""
    root = tmp_path / "autograder"
    shutil.copytree(bundle, root / "source")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    if notebook:
        (root / "submission" / notebook).write_text("{}", encoding="utf-8")
    return root


def _run(root: Path, grade_cmd: str) -> dict[str, Any]:
    env = {**os.environ, "AUTOGRADER_GS_ROOT": str(root), "AUTOGRADER_GS_PYTHON": sys.executable,
           "AUTOGRADER_GS_GRADE_CMD": grade_cmd, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(["bash", str(root / "source" / "run_autograder")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    validate(data)
    return data


def test_run_autograder_with_a_stub_grader(tmp_path: Path, bundle: Path, results) -> None:
    stub = tmp_path / "stub.py"
    stub.write_text(STUB.format(repo=str(REPO)), encoding="utf-8")
    root = _gradescope_root(tmp_path / "ok", bundle, "my notebook (1).ipynb")
    data = _run(root, f"{sys.executable} {stub}")
    assert data["score"] == results["bruno"].score
    assert any(t["output"].startswith("Wrong option.") for t in data["tests"])  # lang "en" baked in

    broken = _gradescope_root(tmp_path / "broken", bundle, "broken.ipynb")
    data = _run(broken, f"{sys.executable} {stub}")
    assert data["score"] == 0 and "could not grade" in data["output"]
    assert "the stub grader failed" in data["extra_data"]["grader_log_tail"]

    empty = _gradescope_root(tmp_path / "empty", bundle, None)
    data = _run(empty, f"{sys.executable} {stub}")
    assert data["score"] == 0 and ".ipynb" in data["output"]


def _letters_only_notebook(path: Path) -> dict[str, str]:
    """The smoke-profile student notebook with only the letters answered: the real grader runs
    it without training anything."""
    from autograder.authoring import notebook, notebook_text
    from tests.common import SMOKE

    answers = {k: v["letter"] for k, v in json.loads(KEY_PATH.read_text())["answers"].items()}
    nb = notebook(CNN, "student", SMOKE)
    for cell in nb.cells:
        meta = cell.metadata.get("autograder", {})
        if meta.get("role") == "letter":
            number = meta["exercise"][2:]
            cell.source = f'resposta_{number} = "{answers[number]}"\n'
    path.write_text(notebook_text(nb), encoding="utf-8")
    return answers


@pytest.mark.kernel
def test_run_autograder_with_the_real_grader(tmp_path: Path, bundle: Path, keras_home: Path) -> None:
    """setup.sh is not run (no pip installs here): the venv already has the package. The grading
    command is the bundle's default plus --backend none (no bubblewrap on this machine)."""
    root = _gradescope_root(tmp_path, bundle, None)
    _letters_only_notebook(root / "submission" / "letters.ipynb")
    autograder = Path(sys.executable).with_name("autograder")
    data = _run(root, f"{autograder} grade --backend none --time-floor 60")
    assert (root / "results" / "result.json").is_file()
    letters = [t for t in data["tests"] if t["name"].endswith(".letter")]
    assert len(letters) == 10
    conceptual_ids = {f"ex{n}.letter" for n in (2, 4, 5, 6, 9)}
    conceptual = [t for t in letters if t["name"].split(" · ")[1] in conceptual_ids]
    assert all(t["status"] == "passed" for t in conceptual)
    assert data["score"] >= 50
    assert any(t["status"] == "failed" for t in data["tests"])  # no answer code was written


def test_the_bundle_can_carry_the_assignments_datasets_verified(tmp_path: Path, keras_home: Path) -> None:
    """Gradescope's containers may not reach the Keras download URLs: `--with-datasets` puts the
    assignment's files (only those, each checked against its sha256) in the bundle's data/, which
    setup.sh installs from. A corrupt cache is refused with the file named."""
    from click.testing import CliRunner

    from autograder.cli import main
    from autograder.data import files_of, keras_cache_dir

    out = tmp_path / "gs"
    args = ["export", "gradescope-bundle", "--assignment", CNN.name, "--key", str(CNN.key_path("smoke")),
            "--out", str(out), "--with-datasets"]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    wanted = {f.relpath for f in files_of(CNN.datasets)}
    with zipfile.ZipFile(out.with_suffix(".zip")) as zf:
        carried = {n.removeprefix("data/") for n in zf.namelist()
                   if n.startswith("data/") and not n.endswith("/")}
    assert carried == wanted
    cache = keras_cache_dir()
    victim = cache / sorted(wanted)[0]
    saved = victim.read_bytes()
    try:
        victim.write_bytes(saved[:10])
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 3 and f"{sorted(wanted)[0]} has 10 bytes" in res.output, res.output
    finally:
        victim.write_bytes(saved)
