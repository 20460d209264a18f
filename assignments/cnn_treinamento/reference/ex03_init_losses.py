"""Exercise 3: losses of a 5-class classifier at random initialisation (uniform 0.2 output).

The sheet sums over the vector. Averaging instead gives the distractors' numbers
(CE 0.32, quadratic 0.16): a named misconception.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.sdk import Profile, Progress, silent

Y = [0.0, 0.0, 0.0, 0.0, 1.0]
YH = [0.2, 0.2, 0.2, 0.2, 0.2]


def run(profile: Profile | None = None, seeding: str = "deterministic",
        progress: Progress = silent) -> dict[str, Any]:
    progress("ex3: losses at initialisation")
    y, yh = np.array(Y), np.array(YH)
    ce_terms = y * np.log(yh + 0.00001)
    qu_terms = np.power(y - yh, 2)
    return {
        "exercise": 3,
        "reference": {"loss_ec": float(-np.sum(ce_terms)), "loss_qu": float(np.sum(qu_terms))},
        "variants": {
            "mean_instead_of_sum": {
                "loss_ec": float(-np.mean(ce_terms)),
                "loss_qu": float(np.mean(qu_terms)),
            },
            "natural_log_without_eps": {
                "loss_ec": float(-np.log(0.2)),
                "loss_qu": float(np.sum(qu_terms)),
            },
            "log_base_2": {"loss_ec": float(-np.sum(y * np.log2(yh + 0.00001)))},
            "log_base_10": {"loss_ec": float(-np.sum(y * np.log10(yh + 0.00001)))},
            # the binary cross-entropy's terms summed over the classes
            "binary_cross_entropy_terms": {"loss_ec": float(-np.sum(
                y * np.log(yh + 0.00001) + (1 - y) * np.log(1 - yh + 0.00001)))},
            "quadratic_true_class_only": {"loss_qu": float((1.0 - yh[-1]) ** 2)},
        },
    }
