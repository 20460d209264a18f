"""Boston Housing data and the 16-8-1 ReLU network shared by exercises 7 and 8."""

from __future__ import annotations

from typing import Any

import numpy as np


def load_normalised() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The sheet's data: Keras's split, z-scored with the TRAINING mean and std (also for test)."""
    import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.boston_housing.load_data()
    mean = x_train.mean(axis=0)
    x_train = x_train - mean
    std = x_train.std(axis=0)
    x_train = x_train / std
    x_test = (x_test - mean) / std
    return x_train, y_train, x_test, y_test


def data_fingerprint() -> dict[str, Any]:
    """Cheap, deterministic facts that reveal normalisation mistakes (no training needed)."""
    import keras

    (x_train, _y), (x_test, _yt) = keras.datasets.boston_housing.load_data()
    xtr, _, xte, _ = load_normalised()
    wrong = (x_test - x_test.mean(axis=0)) / x_test.std(axis=0)
    return {
        "n_train": int(x_train.shape[0]),
        "n_test": int(x_test.shape[0]),
        "x_train_mean": xtr.mean(axis=0).tolist(),
        "x_train_std": xtr.std(axis=0).tolist(),
        "x_test_mean": xte.mean(axis=0).tolist(),
        "x_test_std": xte.std(axis=0).tolist(),
        "variants": {
            "normalised_with_test_statistics": {
                "x_test_mean": wrong.mean(axis=0).tolist(),
                "x_test_std": wrong.std(axis=0).tolist(),
            },
            "not_normalised": {
                "x_train_mean": x_train.mean(axis=0).tolist(),
                "x_test_mean": x_test.mean(axis=0).tolist(),
            },
        },
    }


def dense_network(n_features: int) -> Any:
    """Dense(16, relu) -> Dense(8, relu) -> Dense(1, relu): 369 parameters for 13 features."""
    import keras

    model = keras.Sequential()
    model.add(keras.Input(shape=(n_features,)))
    model.add(keras.layers.Dense(16, activation="relu"))
    model.add(keras.layers.Dense(8, activation="relu"))
    model.add(keras.layers.Dense(1, activation="relu"))
    return model


def exp_decay_scheduler(start_epoch: int, rate: float) -> Any:
    """The sheet's scheduler: keep lr before ``start_epoch``, then ``round(lr*exp(-rate), 4)``.

    Keras 3 needs a Python float back (the sheet returned a tensor).
    """
    import keras

    def scheduler(epoch: int, lr: float) -> float:
        if epoch < start_epoch:
            return float(lr)
        return float(np.round(float(lr) * np.exp(-rate), 4))

    return keras.callbacks.LearningRateScheduler(scheduler)


def is_dead_output(predictions: np.ndarray) -> bool:
    """True when the ReLU output unit is dead: the model predicts 0 for every house."""
    return bool(np.all(np.asarray(predictions) == 0.0))


def zero_predictor() -> dict[str, float]:
    """The honest degenerate outcome: a network whose ReLU output unit died predicts 0 for every
    house, so its MSE is mean(y²) and its MAE mean(|y|) on the evaluated set (exactly)."""
    import keras

    (_x, y_train), (_xt, y_test) = keras.datasets.boston_housing.load_data()
    y_train, y_test = np.asarray(y_train, dtype=float), np.asarray(y_test, dtype=float)
    return {"train_mse": float(np.mean(y_train ** 2)), "train_mae": float(np.mean(np.abs(y_train))),
            "test_mse": float(np.mean(y_test ** 2)), "test_mae": float(np.mean(np.abs(y_test)))}


def schedule(epochs: int, start_epoch: int, rate: float, lr0: float, rounded: bool = True) -> list[float]:
    """The learning rate a Keras History logs per epoch under the sheet's scheduler (run, not
    trained: LearningRateScheduler applies it at the start of every epoch)."""
    lr, out = lr0, []
    for epoch in range(epochs):
        if epoch >= start_epoch:
            lr = float(lr * np.exp(-rate))
            lr = float(np.round(lr, 4)) if rounded else lr
        out.append(lr)
    return out


def network_variants(n_features: int) -> dict[str, Any]:
    """Networks a student may build instead of 16-8-1 ReLU, built (not trained): their summaries."""
    import keras

    from autograder.sdk import keras_model

    def build(units: tuple[int, ...], last: str) -> Any:
        model = keras.Sequential()
        model.add(keras.Input(shape=(n_features,)))
        for u in units[:-1]:
            model.add(keras.layers.Dense(u, activation="relu"))
        model.add(keras.layers.Dense(units[-1], activation=last))
        return keras_model(model)

    return {"wider_network": build((32, 16, 1), "relu"), "linear_output": build((16, 8, 1), "linear")}


def normalisation_variants() -> dict[str, Any]:
    """Column means of the features under the normalisation mistakes (computed on the data)."""
    import keras

    (x_train, _y), (x_test, _yt) = keras.datasets.boston_housing.load_data()
    lo, hi = x_train.min(axis=0), x_train.max(axis=0)
    both = np.concatenate([x_train, x_test])
    mean, std = both.mean(axis=0), both.std(axis=0)
    return {
        "min_max_instead_of_zscore": {"x_train_mean": ((x_train - lo) / (hi - lo)).mean(axis=0).tolist(),
                                      "x_test_mean": ((x_test - lo) / (hi - lo)).mean(axis=0).tolist()},
        "normalised_with_all_data": {"x_train_mean": ((x_train - mean) / std).mean(axis=0).tolist(),
                                     "x_test_mean": ((x_test - mean) / std).mean(axis=0).tolist()},
    }
