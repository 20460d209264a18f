"""As duas formas de semear uma rede antes de construí-la.

``sheet``: o que a folha pede, ``numpy.random.seed(1)`` e ``tf.random.set_seed(2)``. No Keras 3
isso NÃO é reprodutível entre processos (os inicializadores tiram sementes do ``random`` do
Python, que a folha não semeia): é o espalhamento honesto que um aluno observa.

``deterministic``: ``keras.utils.set_random_seed(2)`` (semeia Python, NumPy e o backend),
reprodutível entre processos na mesma máquina e nas mesmas versões; é o que o caderno de
solução usa.
"""

from __future__ import annotations

SEEDINGS = ("deterministic", "sheet")


def seed_before_network(seeding: str) -> None:
    """Semeia como a folha pede, "antes de projetar, compilar e treinar cada rede"."""
    if seeding == "deterministic":
        import keras

        keras.utils.set_random_seed(2)
    elif seeding == "sheet":
        import numpy as np
        import tensorflow as tf

        np.random.seed(1)
        tf.random.set_seed(2)
    else:
        raise ValueError(f"semeadura desconhecida {seeding!r}; use uma de {', '.join(SEEDINGS)}")
