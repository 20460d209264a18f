"""What many tests share: the course's first assignment and its committed keys."""

from __future__ import annotations

from pathlib import Path

from autograder.assignment import load_assignment

REPO = Path(__file__).resolve().parents[1]
CNN = load_assignment("cnn_treinamento")
SMOKE = CNN.profile("smoke")
FULL = CNN.profile("full")
SMOKE_KEY = CNN.key_path("smoke")
FULL_KEY = CNN.key_path("full")
CONTRACT = CNN.contract



def unavailable(reason: str) -> None:
    """A tool a test needs is missing: skip on a developer's machine, fail in CI (``CI=true``),
    where .ci/run installs everything and a skip would hide an untested feature."""
    import os

    import pytest

    if os.environ.get("CI") == "true":
        pytest.fail(f"missing in CI: {reason}")
    pytest.skip(reason)
