"""The public API an assignment's code may use: nothing else of the engine is promised.

* Plug-in types: ``Assignment``, ``AssignmentHooks`` (and ``BaseHooks``, its neutral default),
  ``Profile``, ``RunSpec``, ``Run``, ``KeyParts``, ``Progress``.
* Reading extracted answers (untrusted plain data): ``lookup``, ``Found``.
* Key quantities with explicit tolerances: ``exact``, ``close``, ``band_quantity`` (union of
  intervals around every observed run, see ``BandPolicy``, with physical limits), ``curve``
  (plot envelopes padded by the same rule), ``degenerate_value`` (an honest degenerate outcome
  known in closed form, accepted without penalty), ``band_variant`` (a named wrong variant
  observed over runs), ``drift_verdict`` / ``reproduces`` (does the official letter still
  hold), ``first_with``.
* Keras helpers for reference runs: ``keras_model`` (the same summary the grader reads from a
  student's model), ``history_dict``, ``epoch_callback``, ``silent``.
"""

from __future__ import annotations

from typing import Any

from autograder.assignment import (
    Assignment,
    AssignmentHooks,
    BaseHooks,
    KeyParts,
    Profile,
    Progress,
    Run,
    RunSpec,
)
from autograder.checks import Found, lookup
from autograder.i18n import encode
from autograder.keyassemble import (
    BandPolicy,
    band_quantity,
    band_variant,
    close,
    curve,
    degenerate_value,
    drift_verdict,
    exact,
    first_with,
    reproduces,
)
from autograder.keymodel import Drift, Quantity
from autograder.probe import keras_model, loss_name

__all__ = [
    "Assignment", "AssignmentHooks", "BandPolicy", "BaseHooks", "Drift", "Found", "KeyParts",
    "Profile", "Progress", "Quantity", "Run", "RunSpec", "band_quantity", "band_variant", "close",
    "curve", "degenerate_value", "drift_verdict", "encode", "epoch_callback", "exact", "first_with",
    "history_dict", "keras_model", "lookup", "loss_name", "reproduces", "silent",
]

def silent(_message: str) -> None:
    """A progress sink that prints nothing."""

def epoch_callback(label: str, epochs: int, progress: Progress) -> Any:
    """A Keras callback that reports ``label: epoch i/n loss=…`` after each epoch."""
    import keras

    class _EpochProgress(keras.callbacks.Callback):  # type: ignore[misc]
        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            loss = (logs or {}).get("loss")
            tail = f" loss={float(loss):.4f}" if loss is not None else ""
            progress(f"{label}: epoch {epoch + 1}/{epochs}{tail}")

    return _EpochProgress()

def history_dict(history: Any) -> dict[str, list[float]]:
    """A Keras History as ``{metric: [float per epoch]}``."""
    return {k: [float(v) for v in vs] for k, vs in history.history.items()}

