"""Exercise 7: Boston Housing, default Adam (A) vs Adam(0.02) with decay from epoch 10 (B)."""

from __future__ import annotations

import time
from typing import Any

from autograder.sdk import Profile, Progress, epoch_callback, history_dict, keras_model, silent

from .boston import (
    data_fingerprint,
    dense_network,
    exp_decay_scheduler,
    is_dead_output,
    load_normalised,
    network_variants,
    normalisation_variants,
    schedule,
    zero_predictor,
)
from .seeding import seed_before_network


def _train(label: str, profile: Profile, seeding: str, progress: Progress) -> dict[str, Any]:
    import keras

    x_train, y_train, x_test, y_test = load_normalised()
    seed_before_network(seeding)
    model = dense_network(x_train.shape[1])
    callbacks = [epoch_callback(f"ex7 {label}", profile.ex7_epochs, progress)]
    if label == "A":
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    else:
        model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse", metrics=["mae"])
        callbacks.insert(0, exp_decay_scheduler(start_epoch=10, rate=0.05))
    start = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=profile.ex7_epochs,
                        validation_data=(x_test, y_test), verbose=0, callbacks=callbacks)
    seconds = time.perf_counter() - start
    hist = history_dict(history)
    final = {k: v[-1] for k, v in hist.items() if k != "learning_rate"}
    return {
        "params": int(model.count_params()),
        "model": keras_model(model),
        "history": hist,
        "steps": int(history.params.get("steps") or 0),
        "final": final,
        "gap_mse": final["val_loss"] - final["loss"],
        "gap_mae": final["val_mae"] - final["mae"],
        "dead_output": is_dead_output(model.predict(x_test, verbose=0)),
        "seconds": seconds,
    }


def verdict(a: dict[str, Any], b: dict[str, Any]) -> dict[str, bool]:
    """The facts behind the letters: which model has lower errors, which generalises better."""
    fa, fb = a["final"], b["final"]
    return {
        "b_lower_train_errors": fb["loss"] < fa["loss"] and fb["mae"] < fa["mae"],
        "b_lower_val_errors": fb["val_loss"] < fa["val_loss"] and fb["val_mae"] < fa["val_mae"],
        "a_smaller_gap_mse": abs(a["gap_mse"]) < abs(b["gap_mse"]),
        "a_smaller_gap_mae": abs(a["gap_mae"]) < abs(b["gap_mae"]),
    }


def supported_letters(facts: dict[str, bool]) -> list[str]:
    """Which of the sheet's options (a)-(d) these numbers support."""
    lower = facts["b_lower_train_errors"] and facts["b_lower_val_errors"]
    a_gen = facts["a_smaller_gap_mse"] and facts["a_smaller_gap_mae"]
    letters = []
    if lower and not a_gen:
        letters.append("a")
    if lower and a_gen:
        letters.append("b")
    if (not facts["a_smaller_gap_mse"]) and facts["a_smaller_gap_mae"]:
        letters.append("c")
    return letters


def run(profile: Profile, seeding: str, progress: Progress = silent) -> dict[str, Any]:
    a = _train("A", profile, seeding, progress)
    b = _train("B", profile, seeding, progress)
    facts = verdict(a, b)
    return {"exercise": 7, "A": a, "B": b, "facts": facts, "supports": supported_letters(facts),
            "data": data_fingerprint()}


def variants(profile: Profile, progress: Progress = silent) -> dict[str, Any]:
    """The named wrong variants and honest degenerate outcomes of exercise 7, each computed by
    running it (no training needed): the constant-zero predictor, model B's learning-rate
    schedules, other networks, other normalisations."""
    progress("ex7: variants")
    epochs = profile.ex7_epochs
    return {
        "exercise": 7,
        "zero_predictor": zero_predictor(),
        "learning_rate": {
            "scheduler_not_rounded": schedule(epochs, 10, 0.05, 0.02, rounded=False),
            "decay_from_first_epoch": schedule(epochs, 0, 0.05, 0.02),
            "decay_start_off_by_one": schedule(epochs, 11, 0.05, 0.02),
            "schedule_of_exercise_8": schedule(epochs, 6, 0.1, 0.02),
        },
        "networks": network_variants(13),
        "normalisation": normalisation_variants(),
    }
