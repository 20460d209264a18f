"""Run profiles: ``full`` is the sheet's settings; ``smoke`` runs the same code on less work."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Profile:
    name: str
    ex7_epochs: int = 50
    ex8_batches: tuple[int, ...] = (2, 4, 8, 16, 32, 64, 128, 256)
    ex10_train_images: int = 800
    ex10_test_images: int | None = None  # None: all 10,000
    ex10_epochs: int = 100
    ex10_batch_size: int = 64

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


FULL = Profile("full")
SMOKE = Profile(
    "smoke",
    ex7_epochs=4,
    ex8_batches=(32, 64, 128, 256),
    ex10_train_images=128,
    ex10_test_images=256,
    ex10_epochs=2,
)
PROFILES = {p.name: p for p in (FULL, SMOKE)}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"Unknown profile {name!r}; choose one of {', '.join(PROFILES)}") from None
