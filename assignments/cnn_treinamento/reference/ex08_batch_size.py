"""Exercise 8: Boston Housing, test MSE by batch size with Adam(0.02) and decay from epoch 6."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from autograder.sdk import Profile, Progress, epoch_callback, keras_model, silent

from .boston import (
    dense_network,
    exp_decay_scheduler,
    is_dead_output,
    load_normalised,
    network_variants,
    schedule,
    zero_predictor,
)
from .seeding import seed_before_network


def epochs_for(batch_size: int) -> int:
    """The sheet's rule: floor(log2(512 * batch_size))."""
    return int(np.log2(batch_size * 512))


def two_best_two_worst(mse_by_batch: dict[int, float]) -> dict[str, list[int]]:
    ranked = sorted(mse_by_batch, key=lambda b: mse_by_batch[b])
    return {"best": sorted(ranked[:2]), "worst": sorted(ranked[-2:]), "ranked": ranked}


OPTIONS = {
    "a": {"worst": [128, 256], "best": [4, 16]},
    "b": {"worst": [16, 64], "best": [32, 128]},
    "c": {"worst": [2, 4], "best": [32, 64]},
    "d": {"worst": [4, 256], "best": [2, 128]},
}


def supported_letters(mse_by_batch: dict[int, float]) -> list[str]:
    bw = two_best_two_worst(mse_by_batch)
    return [k for k, o in OPTIONS.items() if o["best"] == bw["best"] and o["worst"] == bw["worst"]]


def run(profile: Profile, seeding: str, progress: Progress = silent) -> dict[str, Any]:
    import keras

    x_train, y_train, x_test, y_test = load_normalised()
    results: dict[str, Any] = {}
    for batch_size in profile.ex8_batches:
        epochs = epochs_for(batch_size)
        seed_before_network(seeding)
        model = dense_network(x_train.shape[1])
        model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse", metrics=["mae"])
        start = time.perf_counter()
        model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0,
                  callbacks=[exp_decay_scheduler(start_epoch=6, rate=0.1),
                             epoch_callback(f"ex8 batch {batch_size}", epochs, progress)])
        score = model.evaluate(x_test, y_test, verbose=0)
        train = model.evaluate(x_train, y_train, verbose=0)
        results[str(batch_size)] = {
            "train_mse": float(train[0]),
            "epochs": epochs,
            "model": keras_model(model),
            "test_mse": float(score[0]),
            "test_mae": float(score[1]),
            "dead_output": is_dead_output(model.predict(x_test, verbose=0)),
            "seconds": time.perf_counter() - start,
        }
    mse = {int(b): r["test_mse"] for b, r in results.items()}
    return {
        "exercise": 8,
        "by_batch": results,
        "ranking": two_best_two_worst(mse),
        "supports": supported_letters(mse),
    }


def variants(profile: Profile, progress: Progress = silent) -> dict[str, Any]:
    """Exercise 8's named wrong variants and honest degenerate outcome, computed without
    training: the constant-zero predictor's test MSE, the last model's learning rate without
    the scheduler (or with exercise 7's), epochs from other formulas, other networks."""
    progress("ex8: variants")
    last = profile.ex8_batches[-1]
    return {
        "exercise": 8,
        "zero_predictor": zero_predictor(),
        "final_learning_rate": {
            "reference": schedule(epochs_for(last), 6, 0.1, 0.02)[-1],
            "scheduler_not_passed": 0.02,
            "schedule_of_exercise_7": schedule(epochs_for(last), 10, 0.05, 0.02)[-1],
        },
        "epochs": {
            "epochs_without_512": {str(b): int(np.log2(b)) for b in profile.ex8_batches},
            "epochs_of_exercise_7": {str(b): 50 for b in profile.ex8_batches},
        },
        "networks": network_variants(13),
    }
