"""Progress reporting shared by the training exercises: a plain callable, no global state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Progress = Callable[[str], None]


def silent(_message: str) -> None:
    """A progress sink that prints nothing."""


def epoch_callback(label: str, epochs: int, progress: Progress) -> Any:
    """A Keras callback that reports ``label: epoch i/n`` after each epoch."""
    import keras

    class _EpochProgress(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            loss = (logs or {}).get("loss")
            tail = f" loss={float(loss):.4f}" if loss is not None else ""
            progress(f"{label}: epoch {epoch + 1}/{epochs}{tail}")

    return _EpochProgress()


def history_dict(history: Any) -> dict[str, list[float]]:
    """A Keras History as ``{metric: [float per epoch]}``."""
    return {k: [float(v) for v in vs] for k, vs in history.history.items()}
