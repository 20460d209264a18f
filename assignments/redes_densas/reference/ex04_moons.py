"""Exercício 4: MLP profunda em ``make_moons`` com ativações ocultas sigmoide vs ReLU (Keras 3).

Dados: ``make_moons(n_samples=1000, noise=0.2, random_state=0)``; as 700 primeiras instâncias
são o treino, as 300 restantes a validação (nada a baixar). Rede: 4 camadas densas ocultas de
16 unidades com a ativação dada e uma saída Dense(1, sigmoid) (881 parâmetros). SGD com
``learning_rate=0.1``, entropia cruzada binária, acurácia, batch 32, ``profile.ex4_epochs``
épocas, validação em (x_val, y_val). Sementes antes de cada rede (veja ``seeding``).

O que se espera hoje: a rede sigmoide quase não sai de ln 2 ≈ 0.693 (gradiente evanescente:
cada camada multiplica o gradiente por no máximo 0.25), a ReLU chega a ~0.1 em 50 épocas.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

from autograder.sdk import epoch_callback, history_dict, keras_model, silent

from .seeding import seed_before_network

N_SAMPLES, NOISE, RANDOM_STATE, N_TRAIN = 1000, 0.2, 0, 700
HIDDEN, UNITS = 4, 16
LEARNING_RATE, BATCH_SIZE = 0.1, 32
NETWORKS = {"sig": "sigmoid", "relu": "relu"}  # rótulo -> ativação oculta
OFFICIAL = "a"
LN2 = math.log(2.0)


def load_moons() -> tuple[Any, Any, Any, Any]:
    """Os dados do enunciado: treino (700) e validação (300)."""
    from sklearn.datasets import make_moons

    # exatamente como o caderno: rótulos inteiros, sem conversão
    x, y = make_moons(n_samples=N_SAMPLES, noise=NOISE, random_state=RANDOM_STATE)
    return x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:], y[N_TRAIN:]


def cria_rede(ativacao: str) -> Any:
    """A rede do enunciado: 4 × Dense(16, ativacao) e Dense(1, sigmoid)."""
    import keras

    model = keras.Sequential()
    model.add(keras.Input(shape=(2,)))
    for _ in range(HIDDEN):
        model.add(keras.layers.Dense(UNITS, activation=ativacao))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    return model


def _train(label: str, epochs: int, seeding: str, progress: Any) -> dict[str, Any]:
    import keras

    x_train, y_train, x_val, y_val = load_moons()
    seed_before_network(seeding)
    model = cria_rede(NETWORKS[label])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE),
                  loss="binary_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=BATCH_SIZE,
                        validation_data=(x_val, y_val), verbose=0,
                        callbacks=[epoch_callback(f"ex4 {label}", epochs, progress)])
    seconds = time.perf_counter() - start
    hist = history_dict(history)
    final = {k: v[-1] for k, v in hist.items()}
    return {
        "params": int(model.count_params()),
        "model": keras_model(model),
        "history": hist,
        "steps": int(history.params.get("steps") or 0),
        "final": final,
        "seconds": seconds,
    }


def facts(sig: Mapping[str, float], relu: Mapping[str, float]) -> dict[str, bool]:
    """Os fatos por trás das alternativas, a partir dos valores da última época de cada rede."""
    return {
        "relu_perda_bem_menor": relu["loss"] < sig["loss"] - 0.05,
        "sig_perda_bem_menor": sig["loss"] < relu["loss"] - 0.05,
        "perdas_parecidas": abs(relu["loss"] - sig["loss"]) <= 0.05,
        "relu_maior_acc_val": relu["val_accuracy"] > sig["val_accuracy"],
        "sig_parada_em_ln2": sig["loss"] > 0.9 * LN2,
    }


def supported_letters(f: Mapping[str, bool]) -> list[str]:
    """As alternativas (a)-(d) que esses números sustentam."""
    out = []
    if f["relu_perda_bem_menor"] and f["relu_maior_acc_val"] and f["sig_parada_em_ln2"]:
        out.append("a")
    if f["perdas_parecidas"]:
        out.append("b")
    if f["sig_perda_bem_menor"]:
        out.append("c")
    if f["relu_perda_bem_menor"] and not f["relu_maior_acc_val"]:
        out.append("d")
    return out


def collapsed(final: Mapping[str, float]) -> bool:
    """Uma rede ReLU que colapsou (todas as unidades mortas) fica, como a sigmoide, em ln 2."""
    return bool(final["loss"] > 0.9 * LN2)


def run(profile: Any, seeding: str, progress: Any = silent) -> dict[str, Any]:
    epochs = int(profile.ex4_epochs)
    out: dict[str, Any] = {"exercise": "ex4"}
    for label in NETWORKS:
        out[label] = _train(label, epochs, seeding, progress)
    out["relu"]["collapsed"] = collapsed(out["relu"]["final"])
    f = facts(out["sig"]["final"], out["relu"]["final"])
    out["facts"] = f
    out["supports"] = supported_letters(f)
    return out
