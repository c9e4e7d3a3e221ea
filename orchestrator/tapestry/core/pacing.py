"""Client-side pacing under a service's published rate limits (any HTTP API a destination calls).

A `Pacer` holds one or more windows (`limit` calls per `period` seconds, e.g. HubSpot's 100 per 10 s, or
Klaviyo's 75 per second and 750 per minute) and makes every caller wait until each window has room, so a
sync stays under the limits instead of learning them from 429s. After a 429 the caller `hold`s the pacer
for the `Retry-After` the service gave: every thread waits, not just the one that was refused.
Thread-safe; the clock and the sleep are injectable for tests.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    limit: int  # calls allowed ...
    period: float  # ... in any span of this many seconds

    def __post_init__(self) -> None:
        if self.limit < 1 or self.period <= 0:
            raise ValueError(f"a rate window needs limit >= 1 and period > 0 (got {self.limit}/{self.period}s)")


class Pacer:
    def __init__(
        self,
        windows: Sequence[Window],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.windows = tuple(windows)
        self._clock = clock
        self._sleep = sleep
        self._sent = [deque[float](maxlen=w.limit) for w in self.windows]  # start times of the latest calls
        self._held_until = 0.0
        self._lock = threading.Lock()
        self.waited = 0.0  # seconds callers spent waiting (reported by benchmarks)

    def _wait_needed(self, now: float) -> float:
        wait = max(0.0, self._held_until - now)
        for window, sent in zip(self.windows, self._sent, strict=True):
            if len(sent) >= window.limit:
                wait = max(wait, sent[0] + window.period - now)
        return wait

    def acquire(self) -> float:
        """Wait until every window has room, then count one call. Returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                wait = self._wait_needed(now)
                if wait <= 0:
                    for sent in self._sent:
                        sent.append(now)
                    self.waited += waited
                    return waited
            self._sleep(wait)
            waited += wait

    def hold(self, seconds: float) -> None:
        """Nobody calls for `seconds` from now (the service said so: Retry-After)."""
        with self._lock:
            self._held_until = max(self._held_until, self._clock() + max(0.0, seconds))


def unpaced() -> Pacer:
    """A pacer that never waits (tests of what a client does when the service throttles it)."""
    return Pacer([Window(10**9, 1e-9)])
