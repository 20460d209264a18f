"""otter-grader: the autograder zip that ``otter assign`` builds from our master notebook installs
the key's TensorFlow/Keras.

Source read (otter-grader 7, installed in .venv-otter): otter/assign/assignment.py (the
``requirements`` and ``python_version`` keys of ASSIGNMENT CONFIG), otter/assign/output.py (a
list of requirements becomes requirements.txt), otter/generate/__init__.py (CondaEnvironment:
``python=<version>`` and the requirements under ``pip:`` in the zip's environment.yml; without
them the zip has otter's defaults, no TensorFlow).
"""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml

from autograder.assignment import load_assignment
from autograder.export import otter as otter_export
from tests.common import unavailable
from tests.test_assignments_otter import find_otter_python


def test_the_master_pins_the_key_environment() -> None:
    a = load_assignment("redes_densas")
    nb = otter_export.master_notebook(a, a.profile("smoke"), a.key_path("smoke"))
    config = yaml.safe_load(nb.cells[0].source)
    env = json.loads(a.key_path("smoke").read_text())["environment"]
    assert config["python_version"] == ".".join(env["python"].split(".")[:2])
    assert f"tensorflow-cpu=={env['tensorflow']}" in config["requirements"]
    assert f"keras=={env['keras']}" in config["requirements"]


@pytest.mark.otter
def test_otter_assign_builds_a_zip_with_tensorflow_and_keras(tmp_path: Path) -> None:
    python = find_otter_python()
    if python is None:
        unavailable("otter-grader is not importable (WITH_OTTER=1 bash setup.sh builds .venv-otter)")
    a = load_assignment("redes_densas")
    master = otter_export.write_master(a, tmp_path / "master", a.profile("smoke"), a.key_path("smoke"))
    done = subprocess.run([python, "-m", "otter", "assign", str(master), str(tmp_path / "dist")],
                          cwd=master.parent, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (zpath,) = (tmp_path / "dist" / "autograder").glob("*.zip")
    with zipfile.ZipFile(zpath) as zf:
        environment = yaml.safe_load(zf.read("environment.yml"))
    deps = environment["dependencies"]
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    env = json.loads(a.key_path("smoke").read_text())["environment"]
    assert f"python={'.'.join(env['python'].split('.')[:2])}" in deps
    assert f"tensorflow-cpu=={env['tensorflow']}" in pip and f"keras=={env['keras']}" in pip
