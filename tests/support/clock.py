"""A clock the test moves by hand, for fakes that expire tokens or stamp times (`clock=` argument)."""

from __future__ import annotations


class ManualClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
