"""Which way updates and archives go, decided during the run from what it measures.

Direct calls move `workers / seconds per member` members a second and hold a connection each; `/batches`
move at the pace Mailchimp processes operations server-side and hold none while it works. The two lanes
draw on one queue at the same time, so a run ends when both have drained it: the batch lane takes the
share of what is left that it can finish while the direct lane does the rest, measured on a first batch
(the probe) and on every batch after it. It takes nothing when the run is too small to pay for a probe or
when it turns out too slow to matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Choice = Literal["auto", "direct", "bulk"]

PROBE_SHARE = 0.05  # the probe batch: this share of the work ...
PROBE_MIN = 50  # ... and at least this many members (a smaller batch measures mostly its own overhead)
MIN_BATCH = 50  # a later batch smaller than this is not worth its submit, polls and download
NOT_WORTH = 0.05  # a batch lane slower than this share of the direct lane is left idle
SAFETY = 0.8  # the batch lane gets this much of its fair share: it should not finish after the direct lane


@dataclass(frozen=True)
class Pace:
    """Members per second, as measured so far in this run (None: not measured yet)."""

    direct: float | None
    batch: float | None


def batch_take(
    remaining: int, queued: int, pace: Pace, *, threshold: int, max_size: int, probing: bool, choice: Choice
) -> int:
    """How many of the `remaining` members (taken by neither lane yet) the batch lane takes now.

    `queued`: members in batches submitted and not finished; `probing`: the probe is still out.
    """
    if remaining <= 0 or choice == "direct":
        return 0
    if choice == "bulk":
        return min(max_size, remaining)
    if pace.batch is None:  # not measured: send a probe, once, if the run is worth it
        if probing or remaining + queued < threshold:
            return 0
        return min(max_size, remaining, max(PROBE_MIN, int((remaining + queued) * PROBE_SHARE)))
    direct = pace.direct or 0.0
    if direct <= 0:  # no direct lane to share with (not measured): batches take what they can
        return min(max_size, remaining)
    if pace.batch < NOT_WORTH * direct:
        return 0
    seconds_left = (remaining + queued) / (direct + pace.batch)
    wanted = int(pace.batch * seconds_left * SAFETY) - queued
    take = min(max_size, remaining, wanted)
    return take if take >= MIN_BATCH else 0
