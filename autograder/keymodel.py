"""The answer key: per quantity a reference value, the observed spread and the tolerance.

A key is plain JSON (``key.json``). Tolerances are data, derived when the key is built
(see ``autograder.keyassemble`` and the assignment's ``assemble_key`` hook); the grader never
invents a tolerance of its own. A key records the assignment it belongs to (name, version,
contract sha256), so a key is never used with another assignment's notebooks.

Schema versions: 2 (this one) adds ``assignment`` and ``published`` (replacing
``sheet_2021``); a version-1 key is re-assembled from its recorded runs with
``autograder key build`` (no training: finished runs are reused).

Tolerance kinds:
  ``{"kind": "exact"}``                      integers, strings, letters, structures
  ``{"kind": "close", "rel": r, "abs": a}``  |obtained - value| <= max(r*|value|, a), per element
  ``{"kind": "band", "intervals": [[lo, hi], ...], "rule": "..."}``
                                             obtained inside any interval (honest results
                                             can be bimodal, e.g. a collapsed training run)
  ``{"kind": "envelope", "lower": [...], "upper": [...], "final": "<quantity id>"}``
                                             plots only: the per-epoch band; ``final`` names
                                             the band quantity the checks use at the last epoch

Besides its tolerance, a quantity may accept ``degenerate`` values: honest outcomes known in
closed form (``{reason id: {"value": v, "rel": r, "abs": a}}``), e.g. the constant prediction of
a network whose output unit died. A value matching one passes without penalty and the check
says why (the assignment's ``degenerate.<reason>`` sentence).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from autograder.environment import Environment, compatibility_warnings, current
from autograder.errors import KeyError_
from autograder.fsutil import sha256_file
from autograder.i18n import msg

KEY_SCHEMA = "dl-autograder/key"
KEY_SCHEMA_VERSION = 2


@dataclass(frozen=True)
class Quantity:
    id: str
    description: str
    value: Any
    tolerance: dict[str, Any]
    units: str = ""
    source: str = ""
    observed: tuple[Any, ...] = ()  # values under the sheet's seeding, one per fresh process
    spread: dict[str, Any] | None = None  # n, min, max, mean, std, degenerate
    variants: dict[str, Any] = field(default_factory=dict)  # misconception id -> its value
    # honest degenerate outcomes accepted besides the tolerance: reason id -> {"value", "rel", "abs"}
    # (e.g. a network whose output unit died at initialisation predicts a constant)
    degenerate: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Drift:
    exercise: int  # the contract's exercise number
    official: str
    status: str  # "holds" | "weak" | "does_not_hold" | "reproduces"
    runs: int
    runs_supporting_official: int
    letters_supported: dict[str, int]  # letter -> number of runs whose numbers support it
    deterministic_supports: list[str]
    summary: str  # plain English sentence for the report
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AnswerKey:
    profile: str
    built_at: str
    environment: Environment
    quantities: dict[str, Quantity]
    answers: dict[str, dict[str, Any]]  # exercise number -> {"letter", "computed", "justificativa"}
    drift: dict[str, Drift]  # exercise id -> does the official letter still hold today
    timings: dict[str, float]  # exercise id -> reference seconds (slowest run), for time budgets
    runs: dict[str, int]  # exercise id -> number of runs behind the numbers
    profile_settings: dict[str, Any] = field(default_factory=dict)  # ``Profile.to_dict()``
    published: dict[str, Any] = field(default_factory=dict)  # quantity id -> the sheet's value
    assignment: dict[str, str] = field(default_factory=dict)  # ``Assignment.identity()``
    schema: str = KEY_SCHEMA
    schema_version: int = KEY_SCHEMA_VERSION

    def quantity(self, qid: str) -> Quantity:
        try:
            return self.quantities[qid]
        except KeyError:
            raise KeyError_(
                msg("key_no_quantity", qid=qid),
                where=msg("key_where_profile", profile=self.profile),
                fix=msg("key_rebuild_with_this_grader"),
            ) from None

    def letter(self, exercise: int | str) -> str:
        """The official letter of the exercise numbered ``exercise``."""
        return str(self.answers[str(exercise)]["letter"])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, sort_keys=True, allow_nan=False)

    def warnings_here(self) -> list[str]:
        """The environment warnings, in English: recorded in results (reports say them again in
        their language from the two fingerprints, ``environment.compatibility_issues``)."""
        return compatibility_warnings(self.environment, current())


def key_from_dict(d: dict[str, Any], where: str = "") -> AnswerKey:
    if d.get("schema") != KEY_SCHEMA:
        raise KeyError_(msg("key_not_a_key"), where=where, fix=msg("key_not_a_key_fix"))
    if d.get("schema_version") == 1:
        raise KeyError_(msg("key_schema_v1", version=KEY_SCHEMA_VERSION), where=where,
                        fix=msg("key_schema_v1_fix"))
    if d.get("schema_version") != KEY_SCHEMA_VERSION:
        raise KeyError_(
            msg("key_schema_unsupported", found=d.get("schema_version"), version=KEY_SCHEMA_VERSION),
            where=where, fix=msg("key_rebuild"),
        )
    try:
        return AnswerKey(**{
            **d,
            "environment": Environment.from_dict(d["environment"]),
            "quantities": {k: Quantity(**{**q, "observed": tuple(q.get("observed", ()))})
                           for k, q in d["quantities"].items()},
            "drift": {k: Drift(**v) for k, v in d["drift"].items()},
        })
    except (KeyError, TypeError) as exc:
        raise KeyError_(msg("key_malformed", detail=str(exc)), where=where,
                        fix=msg("key_rebuild_it")) from exc


def load_key(path: Path, *, default: Path | None = None) -> AnswerKey:
    """Read a key. ``default``: where the assignment keeps its committed key
    (``assignment.key_path(profile)``), named in the error when ``path`` does not exist."""
    path = Path(path)
    if not path.is_file():
        shipped = (msg("key_shipped_here", path=str(default)) if default is not None
                   else msg("key_shipped_each"))
        raise KeyError_(msg("key_missing", path=str(path)), where=str(path),
                        fix=msg("key_missing_fix", shipped=shipped))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise KeyError_(msg("key_not_json", detail=str(exc)), where=str(path),
                        fix=msg("key_rebuild_it")) from exc
    return key_from_dict(data, where=str(path))


def key_sha256(path: Path) -> str:
    return sha256_file(Path(path))
