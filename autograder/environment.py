"""The environment fingerprint recorded in keys and results, and the compatibility check."""

from __future__ import annotations

import platform
from dataclasses import asdict, dataclass
from importlib import metadata
from typing import Any

from autograder.i18n import translate


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _tensorflow_version() -> str:
    for dist in ("tensorflow-cpu", "tensorflow", "tf-nightly"):
        v = _version(dist)
        if v != "not installed":
            return v
    return "not installed"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


@dataclass(frozen=True)
class Environment:
    python: str
    tensorflow: str
    keras: str
    numpy: str
    scikit_learn: str
    platform: str
    machine: str
    cpu: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, str]) -> Environment:
        return cls(**{k: str(d.get(k, "unknown")) for k in cls.__dataclass_fields__})


def current() -> Environment:
    """Read the fingerprint without importing TensorFlow (package metadata only)."""
    return Environment(
        python=platform.python_version(),
        tensorflow=_tensorflow_version(),
        keras=_version("keras"),
        numpy=_version("numpy"),
        scikit_learn=_version("scikit-learn"),
        platform=f"{platform.system()} {platform.release()}",
        machine=platform.machine(),
        cpu=_cpu_model(),
    )


def _major_minor(v: str) -> str:
    return ".".join(v.split(".")[:2])


def compatibility_issues(key_env: Environment, here: Environment) -> list[tuple[str, dict[str, Any]]]:
    """What differs between the key's environment and this one, as data: ``("library", {name,
    key_version, here})`` for TensorFlow or Keras (major.minor), ``("python", ...)``, ``("numpy",
    ...)``; the message catalogue (``key_env_<kind>``) says it in each language."""
    issues: list[tuple[str, dict[str, Any]]] = []
    for name in ("tensorflow", "keras"):
        a, b = getattr(key_env, name), getattr(here, name)
        if _major_minor(a) != _major_minor(b):
            issues.append(("library", {"name": name, "key_version": a, "here": f"{name} {b}"}))
    if _major_minor(key_env.python) != _major_minor(here.python):
        issues.append(("python", {"key_version": key_env.python, "here": here.python}))
    if key_env.numpy.split(".")[0] != here.numpy.split(".")[0]:
        issues.append(("numpy", {"key_version": key_env.numpy, "here": here.numpy}))
    return issues


def compatibility_warnings(key_env: Environment, here: Environment) -> list[str]:
    """Loud warnings, in English (recorded in results and logs), when training numbers in the key
    may not apply to this environment: the catalogue's ``key_env_<kind>`` sentences."""
    return [translate(f"key_env_{kind}", "en", **p) for kind, p in compatibility_issues(key_env, here)]
