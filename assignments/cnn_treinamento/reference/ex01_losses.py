"""Exercise 1: four loss functions after a logistic regression (scikit-learn, deterministic).

The sheet's code computes the hinge with ``y`` (labels 0/1) but prints values that match
``yh`` (labels -1/1), which is what the text asks for. The reference follows the text and also
records the 0/1 variant, a named misconception for feedback.

``LogisticRegression``'s default ``tol=1e-4`` stops lbfgs early: ``y_hat[1]`` = 0.17748, printed
0.177, where the sheet shows the converged 0.178. The reference converges (``tol=1e-8``) and
records the default-tolerance values too, so the key's tolerance can cover both.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.sdk import Profile, Progress, silent

X = [-1.8, -1.5, -0.8, -0.4, -0.2, 0.0, 0.1, 0.5, 1.0, 1.3]
Y = [0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0]
EPS = 0.00001  # the sheet's guard inside the logarithms

LOSS_NAMES = {
    "loss_qu": "quadrática",
    "loss_ec": "entropia cruzada",
    "loss_01": "0-1",
    "loss_hi": "hinge",
}


def losses(y: np.ndarray, y_hat: np.ndarray, hinge_labels: np.ndarray) -> dict[str, np.ndarray]:
    """Per-instance losses as the sheet defines them; ``hinge_labels`` are the labels in the hinge."""
    y_clas = (y_hat >= 0.5).astype(float)
    y_hat_hi = (y_hat - 0.5) * 2
    return {
        "loss_qu": np.power(y - y_hat, 2),
        "loss_ec": -(y * np.log(y_hat + EPS) + (1 - y) * np.log(1 - y_hat + EPS)),
        "loss_01": (y != y_clas) * 1.0,
        "loss_hi": np.maximum(0.0, 1 - hinge_labels * y_hat_hi),
    }


def fit_probabilities(tol: float) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    x = np.array(X)
    model = LogisticRegression(solver="lbfgs", tol=tol)
    model.fit(x.reshape(-1, 1), np.array(Y))
    return np.asarray(model.predict_proba(x.reshape(-1, 1))[:, 1].ravel(), dtype=float)


def _summary(y_hat: np.ndarray, hinge_labels: np.ndarray) -> dict[str, Any]:
    y = np.array(Y)
    per = losses(y, y_hat, hinge_labels)
    means = {k: float(np.mean(v)) for k, v in per.items()}
    order = sorted(means, key=lambda k: means[k])
    return {
        "y_hat": y_hat.tolist(),
        "per_instance": {k: v.tolist() for k, v in per.items()},
        "means": means,
        "order_smallest_first": order,
    }


def wrong_losses(y_hat: np.ndarray) -> dict[str, dict[str, list[float]]]:
    """Per-instance losses under the mistakes a TA names, each computed by running it:
    misconception id -> {loss name: values}."""
    y = np.array(Y)
    yh = 2 * y - 1
    y_clas = (y_hat >= 0.5).astype(float)
    return {
        "log_base_2": {"loss_ec": (-(y * np.log2(y_hat + EPS)
                                     + (1 - y) * np.log2(1 - y_hat + EPS))).tolist()},
        "log_base_10": {"loss_ec": (-(y * np.log10(y_hat + EPS)
                                      + (1 - y) * np.log10(1 - y_hat + EPS))).tolist()},
        "absolute_instead_of_squared": {"loss_qu": np.abs(y - y_hat).tolist()},
        "zero_one_inverted": {"loss_01": (y == y_clas).astype(float).tolist()},
        "hinge_without_rescaling": {"loss_hi": np.maximum(0.0, 1 - yh * y_hat).tolist()},
        "mean_instead_of_per_instance": {k: float(np.mean(v)) for k, v in losses(y, y_hat, yh).items()},
    }


def run(profile: Profile | None = None, seeding: str = "deterministic",
        progress: Progress = silent) -> dict[str, Any]:
    """Exercise 1's numbers: converged fit (the sheet), default-tolerance fit, and the wrong
    variants (0/1 hinge; ``predict`` labels or class-0 probabilities as y_hat; other mistakes)."""
    from sklearn.linear_model import LogisticRegression

    y = np.array(Y)
    yh = 2 * y - 1
    progress("ex1: logistic regression")
    converged = fit_probabilities(tol=1e-8)
    default_tol = fit_probabilities(tol=1e-4)
    x = np.array(X).reshape(-1, 1)
    labels = LogisticRegression(solver="lbfgs", tol=1e-8).fit(x, y).predict(x).astype(float)
    return {
        "exercise": 1,
        "reference": _summary(converged, yh),
        "variants": {
            "default_tolerance": _summary(default_tol, yh),
            "hinge_01_labels": _summary(converged, y),
            "predict_instead_of_proba": _summary(labels, yh),
            "proba_of_class_0": _summary(1.0 - converged, yh),
            **{k: {"per_instance": v} for k, v in wrong_losses(converged).items()},
        },
    }
