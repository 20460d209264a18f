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

