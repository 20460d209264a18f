"""The two ways of seeding a network before it is built.

``sheet``: what the 2021 sheet does, ``numpy.random.seed(1)`` and ``tf.random.set_seed(2)``.
In Keras 3 this is NOT reproducible between processes: initialisers draw their seeds from
Python's ``random``, which the sheet never seeds.

``deterministic``: ``keras.utils.set_random_seed(2)`` (seeds Python, NumPy and the backend),
reproducible between processes on the same machine and versions.
"""

from __future__ import annotations

SEEDINGS = ("deterministic", "sheet")


def seed_before_network(seeding: str) -> None:
    """Seed as the sheet asks, 'before designing, compiling and training each network'."""
    if seeding == "deterministic":
        import keras

        keras.utils.set_random_seed(2)
    elif seeding == "sheet":
        import numpy as np
        import tensorflow as tf

        np.random.seed(1)
        tf.random.set_seed(2)
    else:
        raise ValueError(f"Unknown seeding {seeding!r}; choose one of {', '.join(SEEDINGS)}")
