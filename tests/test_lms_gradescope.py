"""Gradescope as the real system runs it.

Sources read (github:gradescope/autograder_samples, docs/):
- specs.md: the zip's setup.sh and run_autograder at its root; /autograder/source, /submission,
  /results/results.json; "If test cases are hidden, students will not be able to see their total
  score"; after_due_date "will be shown only after the late due date" when late submission is
  allowed; stdout_visibility mirrors the test visibilities.
- submission_metadata.md: /autograder/submission_metadata.json with created_at,
  assignment.due_date, assignment.late_due_date and users; "compute time periods based on the
  current submission's created_at ... otherwise re-running the autograder" uses the clock.
- best_practices.md: run the student's code as a non-root user (adduser student ...,
  chmod o= on source and results, runuser -u student), in a separate, untrusted wrapper.
- python3_issues.md: the harness runs on the system python3; never replace it.
- base_images.md: the default base image is Ubuntu 22.04 (its python3 is 3.10).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from autograder.export import gradescope
from autograder.results import CheckResult, ExerciseResult, GradeResult, Student
from tests.common import unavailable

BRT = timezone(timedelta(hours=-3))
DUE = datetime(2026, 5, 31, 23, 59, tzinfo=BRT)
LATE_DUE = datetime(2026, 6, 2, 23, 59, tzinfo=BRT)
REPO = Path(__file__).resolve().parents[1]


def graded(not_enforced: tuple[str, ...] = ("Network isolation is NOT applied",)) -> GradeResult:
    checks = (CheckResult("ex1.letter", "ex1", "letter", "fail", 0.0, 4.0, obtained="a", expected="c",
                          tolerance="exact", message_id="letter_wrong", reveals_answer=True),
              CheckResult("ex1.w", "ex1", "close", "pass", 6.0, 6.0, obtained=1.0, expected=1.0,
                          tolerance="± 0.001", message_id="ok"))
    ex = ExerciseResult("ex1", 1, "ok", 6.0, 10.0, "executed", checks)
    return GradeResult(submission_path="nb.ipynb", submission_sha256="0" * 64, student=Student("ana"),
                       status="graded", score=6.0, max_score=10.0, exercises=(ex,),
                       graded_at="2026-06-01T00:00:00+00:00", grader_version="0", environment={},
                       key={"sha256": "k", "profile": "smoke"},
                       sandbox={"backend": "user", "not_enforced": list(not_enforced)})


def test_reveal_follows_created_at_and_the_late_due_date_not_the_clock() -> None:
    kw: dict[str, Any] = {"due": DUE, "late_due": LATE_DUE}
    on_time = DUE - timedelta(days=1)
    assert not gradescope.reveal_now("after_due", created_at=on_time, now=LATE_DUE + timedelta(days=30), **kw)
    before_late_due = DUE + timedelta(hours=1)
    assert not gradescope.reveal_now("after_due", created_at=before_late_due, **kw)
    assert gradescope.reveal_now("after_due", created_at=LATE_DUE + timedelta(minutes=1), **kw)
    assert gradescope.reveal_now("after_due", due=DUE, late_due=None, created_at=DUE + timedelta(minutes=1))
    assert gradescope.reveal_now("always", due=None, late_due=None, created_at=None)
    assert not gradescope.reveal_now("never", due=None, late_due=None, created_at=LATE_DUE)


def test_expected_values_wait_on_stdout_and_the_total_stays_visible() -> None:
    data = gradescope.results_json(graded(), lang="en", reveal="after_due", due=DUE, late_due=LATE_DUE,
                                   created_at=DUE - timedelta(days=1))
    assert {t["visibility"] for t in data["tests"]} == {"visible"}  # nothing hides the total
    assert data["visibility"] == "visible" and data["stdout_visibility"] == "after_due_date"
    assert "official answer" not in json.dumps(data["tests"])
    assert gradescope.expected_values(graded(), "en") == ["ex1.letter: Expected c (exact)"]
    assert "Expected c" not in json.dumps(data)
    late = gradescope.results_json(graded(), lang="en", reveal="after_due", due=DUE, late_due=LATE_DUE,
                                   created_at=LATE_DUE + timedelta(days=1))
    assert late["stdout_visibility"] == "hidden"
    assert any("the official answer is (c)" in t["output"] for t in late["tests"])


def test_what_the_environment_did_not_enforce_is_for_the_instructor_only() -> None:
    data = gradescope.results_json(graded(), lang="en", instructor={"isolation": "user"})
    student_sees = data["output"] + json.dumps(data["tests"])
    assert "NOT applied" not in student_sees and "Limit not applied" not in student_sees
    assert data["extra_data"]["not_enforced"] == ["Network isolation is NOT applied"]
    assert data["extra_data"]["isolation"] == "user"


def test_the_notebook_the_assignment_names_or_the_only_one(tmp_path: Path) -> None:
    sub = tmp_path / "submission"
    (sub / "extra").mkdir(parents=True)
    for name in ("a_rascunho.ipynb", "lista3.ipynb", "extra/Lista3 (1).ipynb"):
        (sub / name).write_text("{}", encoding="utf-8")
    named = gradescope.choose_notebook(sub, "lista3.ipynb")
    assert named.notebook == sub / "lista3.ipynb"
    assert named.others == ("a_rascunho.ipynb", "extra/Lista3 (1).ipynb")
    assert "not graded: a_rascunho.ipynb" in gradescope.choice_message(named, "lista3.ipynb", "en")
    several = gradescope.choose_notebook(sub)  # never the first alphabetically in silence
    assert several.notebook is None and several.problem == "several"
    assert "none was graded" in gradescope.choice_message(several, "", "en")
    glob = gradescope.choose_notebook(sub, "lista3*.ipynb")
    assert glob.notebook is None and glob.problem == "several"
    missing = gradescope.choose_notebook(sub, "exercicios.ipynb")
    assert missing.problem == "no_match" and "exercicios.ipynb" in gradescope.choice_message(
        missing, "exercicios.ipynb", "en")
    (sub / "a_rascunho.ipynb").unlink()
    (sub / "extra" / "Lista3 (1).ipynb").unlink()
    assert gradescope.choose_notebook(sub).notebook == sub / "lista3.ipynb"


def test_code_reaching_for_the_grading_tree_is_reported() -> None:
    code = ["import os\n", "open('/autograder/source/key.json')\n", "print(os.environ)"]
    nb = json.dumps({"cells": [{"cell_type": "code", "source": code},
                               {"cell_type": "markdown", "source": "os.environ in prose is fine"}]})
    assert gradescope.attempts(nb.encode()) == ["/autograder", "key.json", "the environment variables"]
    assert gradescope.attempts(b"not json") == []


# ---- setup.sh and run_autograder, for real, as root ----------------------------------------------

HOSTILE = '''
import os, json
ROOT = {root!r}
seen, denied = {{}}, []
for base, dirs, files in os.walk(ROOT, onerror=lambda e: denied.append(str(e))):
    for name in files:
        p = os.path.join(base, name)
        try:
            seen[p] = open(p, "rb").read().decode("utf-8", "replace")
        except OSError as e:
            denied.append(p)
for p in (ROOT + "/source/key.json", ROOT + "/source/assignment/answers.json",
          ROOT + "/submission_metadata.json"):
    try:
        seen[p] = open(p).read()
    except OSError:
        denied.append(p)
for pid in [d for d in os.listdir("/proc") if d.isdigit()]:
    try:
        raw = open("/proc/" + pid + "/environ", "rb").read()
        seen["/proc/" + pid + "/environ"] = raw.decode("utf-8", "replace")
    except OSError:
        denied.append(pid)
seen["environ"] = json.dumps(dict(os.environ))
letters = {{}}
for text in seen.values():
    try:
        d = json.loads(text)
    except ValueError:
        continue
    if isinstance(d, dict) and isinstance(d.get("answers"), dict):
        letters = {{k: v.get("letter") for k, v in d["answers"].items() if isinstance(v, dict)}}
# whatever was read goes where the result would carry it: the answers
leak = " ".join(seen)[:5000]
'''


def _require_root_tools() -> str | None:
    """Why the end-to-end Gradescope test cannot run here (None: it can)."""
    if os.geteuid() != 0:
        return "needs root (useradd, a kernel user, chmod of a Gradescope-like tree)"
    if not shutil.which("useradd"):
        return "needs useradd"
    if not Path("/usr/bin/python3.11").is_file():
        return ("needs /usr/bin/python3.11, the Python 3.11 of this image that setup.sh falls back to "
                "when `uv python install` cannot download the key's Python")
    return None


@pytest.fixture(scope="module")
def gradescope_image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """setup.sh run for real, as root, in a temporary prefix: uv from PyPI, a venv with the key's
    packages from PyPI, the kernel user created. `uv python install` really runs and fails, as
    where GitHub cannot be reached (a dead local mirror gives the same failure with or without
    network), so setup.sh falls back to this machine's /usr/bin/python3.11 (first on PATH)."""
    why = _require_root_tools()
    if why is not None:
        unavailable(f"the Gradescope isolation test cannot run here: {why}")
    from autograder.assignment import load_assignment

    base = Path(tempfile.mkdtemp(prefix="ag-gs-", dir="/tmp"))
    base.chmod(0o755)  # the kernel user must reach the prefix, as on Gradescope's /opt
    user = f"agk{os.getpid() % 100000}"
    a = load_assignment("redes_densas")
    bundle = base / "bundle"
    gradescope.write_bundle(bundle, a.key_path("smoke"), a, lang="en", reveal="after_due")
    root, prefix = base / "autograder", base / "prefix"
    shutil.copytree(bundle, root / "source")
    env = {**os.environ, "AUTOGRADER_GS_ROOT": str(root), "AUTOGRADER_GS_PREFIX": str(prefix),
           "AUTOGRADER_GS_KERNEL_USER": user, "PATH": "/usr/bin:/bin:" + os.environ.get("PATH", ""),
           "UV_PYTHON_INSTALL_MIRROR": "http://127.0.0.1:9",
           "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR", str(Path(tempfile.gettempdir()) / "ag-uv-cache"))}
    for name in ("PYTHONPATH", "AUTOGRADER_GS_PYTHON_FROM", "AUTOGRADER_GS_APT"):
        env.pop(name, None)
    done = subprocess.run(["bash", str(root / "source" / "setup.sh")], cwd=root, env=env, capture_output=True,
                          text=True, timeout=1500)
    try:
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        yield {"root": root, "prefix": prefix, "user": user, "env": env, "setup": done.stdout}
    finally:
        subprocess.run(["userdel", user], capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.slow
def test_setup_installs_the_key_environment_in_its_own_prefix(gradescope_image: dict[str, Any]) -> None:
    prefix, root = gradescope_image["prefix"], gradescope_image["root"]
    py = prefix / "env" / "bin" / "python"
    probe = ("import importlib.metadata as m, sys; print(sys.version_info[:2], m.version('keras'), "
             "m.version('numpy'), m.version('tensorflow-cpu'))")
    versions = subprocess.run([str(py), "-c", probe], capture_output=True, text=True, check=True).stdout
    env = json.loads((root / "source" / "key.json").read_text())["environment"]
    assert f"'{env['keras']}'" in versions or env["keras"] in versions
    assert env["numpy"] in versions and env["tensorflow"] in versions
    assert "(3, 11)" in versions  # not the system python3 (3.10 on Gradescope's default image)
    assert pwd.getpwnam(gradescope_image["user"]).pw_uid != 0
    assert oct((root / "source").stat().st_mode & 0o777) == "0o700"
    assert oct((root / "source" / "key.json").stat().st_mode & 0o777) == "0o600"
    site = next((prefix / "env" / "lib").glob("python3*/site-packages"))
    assert (site / "assignments").stat().st_mode & 0o077 == 0  # the shipped sheets' sources: root only
    # uv's download failed, said aloud; the image's Python 3.11 was taken and recorded
    assert f"uv could not install Python {env['python']}" in gradescope_image["setup"]
    here = subprocess.run([str(py), "-c", "import platform; print(platform.python_version())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert f"python: key {env['python']}, here {here}" in gradescope_image["setup"]
    origin = (prefix / "env" / "python-origin.txt").read_text(encoding="utf-8")
    assert f"python {here}\n" in origin
    assert ("python3.11 of this image (/usr/bin/python3.11), because uv python install "
            f"{env['python']} failed") in origin


def _hostile_submission(root: Path) -> dict[str, str]:
    import nbformat

    from autograder.assignment import load_assignment
    from autograder.authoring import notebook, notebook_text

    a = load_assignment("redes_densas")
    nb = notebook(a, "student", a.profile("smoke"))
    nb.cells.insert(0, nbformat.v4.new_code_cell(HOSTILE.format(root=str(root))))
    for cell in nb.cells:
        meta = cell.metadata.get("autograder", {})
        if meta.get("role") == "letter":
            n = meta["exercise"][2:]
            cell.source = f'resposta_{n} = letters.get("{n}") or leak[:40] or "x"\n'
    sub = root / "submission"
    shutil.rmtree(sub, ignore_errors=True)
    sub.mkdir()
    (sub / "lista.ipynb").write_text(notebook_text(nb), encoding="utf-8")
    (root / "submission_metadata.json").write_text(json.dumps({
        "id": 1, "created_at": "2026-05-30T10:00:00.000000-03:00",
        "assignment": {"due_date": "2026-05-31T23:59:00.000000-03:00", "late_due_date": None},
        "users": [{"email": "ana@example.edu", "id": 7, "name": "Ana Souza"}]}), encoding="utf-8")
    return json.loads((root / "source" / "key.json").read_text())["answers"]


@pytest.mark.slow
@pytest.mark.kernel
@pytest.mark.parametrize("isolation", ["user", "bubblewrap"])
def test_the_key_stays_secret_from_a_submission_that_reads_everything(
        gradescope_image: dict[str, Any], isolation: str) -> None:
    root, env = gradescope_image["root"], dict(gradescope_image["env"])
    if isolation == "bubblewrap":
        from autograder.sandbox.bubblewrap import bubblewrap_problem

        problem = bubblewrap_problem(shutil.which("bwrap"), True)
        if problem is not None:
            unavailable(f"bubblewrap does not work here: {problem}")
    answers = _hostile_submission(root)
    secret = "s3cr3t-" + os.urandom(6).hex()
    env.update({"AUTOGRADER_GS_ISOLATION": isolation, "GRADESCOPE_API_TOKEN": secret})
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=900)
    text = (root / "results" / "results.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert data["extra_data"].get("isolation") == isolation, data["output"] + done.stderr[-2000:]
    letters = [t for t in data["tests"] if t["name"].endswith(".letter")]
    assert letters, (data["output"], data["extra_data"].get("grader_log_tail", ""), done.stderr[-2000:])
    assert all(t["status"] == "failed" for t in letters), [t["output"] for t in letters]
    key_text = (root / "source" / "key.json").read_text(encoding="utf-8")
    justifications = [a.get("justificativa", "")[:40] for a in answers.values() if isinstance(a, dict)]
    for value in (secret, json.loads(key_text)["built_at"], *justifications):
        assert not value or value not in text + done.stdout, value
    key_python = json.loads(key_text)["environment"]["python"]
    assert f"because uv python install {key_python} failed" in data["extra_data"]["python"]
    attempts = data["extra_data"]["attempts"]
    assert "key.json" in attempts and "the environment variables" in attempts and str(root) in attempts
    assert data["stdout_visibility"] == "after_due_date"  # reveal after the due date, total visible
