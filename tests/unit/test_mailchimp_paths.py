"""The Mailchimp update path's choice between direct calls and /batches, from measured paces, and when a
batch is polled."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tapestry.destinations.mailchimp.changes import POLL_EARLY, POLL_FIRST, POLL_MAX, ChangeLane, _Job
from tapestry.destinations.mailchimp.paths import PROBE_MIN, SAFETY, Pace, batch_take

KNOBS = {"threshold": 500, "max_size": 2_500, "probing": False, "choice": "auto"}


def take(
    remaining: int, queued: int = 0, direct: float | None = 30.0, batch: float | None = None, **knobs: object
) -> int:
    return batch_take(remaining, queued, Pace(direct, batch), **{**KNOBS, **knobs})  # type: ignore[arg-type]


def test_a_run_too_small_for_a_probe_goes_direct() -> None:
    assert take(499) == 0
    assert take(40, queued=0, threshold=50) == 0


def test_a_large_run_sends_one_probe_and_waits_for_its_measure() -> None:
    assert take(10_000) == 500  # 5 % of the work
    assert take(1_000) == PROBE_MIN  # at least 50: a smaller batch measures its own overhead
    assert take(9_500, queued=500, probing=True) == 0


def test_the_batch_lane_takes_the_share_its_pace_earns() -> None:
    # direct 30/s, batches 20/s: 10,000 left take 200 s together; batches can do 4,000 of them
    assert take(10_000, direct=30.0, batch=20.0, max_size=100_000) == int(4_000 * SAFETY)
    assert take(10_000, direct=30.0, batch=20.0) == 2_500  # at most batch_size a batch
    assert (
        take(10_000, queued=3_000, direct=30.0, batch=20.0, max_size=100_000)
        == int(20.0 * 13_000 / 50.0 * SAFETY) - 3_000
    )  # what is already queued in batches counts


def test_batches_much_slower_than_direct_calls_get_nothing() -> None:
    assert take(10_000, direct=300.0, batch=10.0) == 0
    assert take(10_000, direct=300.0, batch=20.0) > 0


def test_a_lane_that_would_get_a_sliver_is_left_idle() -> None:
    assert take(100, direct=30.0, batch=20.0) == 0  # 32 members: not worth a batch
    assert take(1_000, direct=1.0, batch=2_000.0) == int(2_000 * 1_000 / 2_001 * SAFETY)  # most of it


@pytest.mark.parametrize(("choice", "expected"), [("direct", 0), ("bulk", 2_500)])
def test_a_forced_path_ignores_the_measures(choice: str, expected: int) -> None:
    assert take(10_000, direct=300.0, batch=1.0, choice=choice) == expected
    assert take(10, direct=300.0, batch=1.0, choice=choice) == (10 if choice == "bulk" else 0)


def test_without_a_measured_direct_pace_batches_take_what_they_can() -> None:
    assert take(3_000, direct=None, batch=50.0) == 2_500
    assert take(20, direct=None, batch=50.0) == 20


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _job(members: int) -> _Job:
    ops = [SimpleNamespace(key=f"person{i}@example.com") for i in range(members)]
    return _Job(ops=ops, decided={}, started=0.0)  # type: ignore[arg-type]


def _lane(clock: _Clock) -> ChangeLane:
    # _expect and _schedule read only the clock and the measured pace
    return ChangeLane(
        None,  # type: ignore[arg-type]
        "list",
        None,  # type: ignore[arg-type]
        lambda op: None,
        choice="auto",
        concurrency=10,
        batch_size=2_500,
        threshold=500,
        batches_in_flight=4,
        clock=clock,
    )


def test_before_the_batch_pace_is_measured_a_batch_is_polled_soon_and_then_by_its_age() -> None:
    clock = _Clock()
    lane = _lane(clock)
    job = _Job(ops=[], decided={}, started=0.0)
    lane._expect(job, 1_000)
    lane._schedule(job)
    assert job.expected_done is None and job.next_poll == POLL_FIRST
    clock.now = 100.0
    lane._schedule(job)
    assert job.next_poll == 100.0 + POLL_MAX


def test_a_batch_queued_behind_others_is_first_polled_shortly_before_the_measured_pace_has_it_done() -> None:
    clock = _Clock()
    lane = _lane(clock)
    lane._batch_pace = 20.0  # members a second, measured on earlier batches
    first, second = (_Job(ops=[], decided={}, started=0.0) for _ in range(2))
    for job in (first, second):
        lane._expect(job, 1_000)
        lane._schedule(job)
    assert (first.expected_done, second.expected_done) == (50.0, 100.0)  # one batch after another
    assert first.next_poll == POLL_EARLY * 50.0 and second.next_poll == POLL_EARLY * 100.0
    clock.now = second.next_poll  # not done yet: then polled by its age, as before it was measured
    lane._schedule(second)
    assert second.next_poll == clock.now + POLL_MAX


def test_batches_sent_before_the_pace_was_measured_are_planned_once_it_is() -> None:
    clock = _Clock()
    lane = _lane(clock)
    probe, second, third = (_job(1_000) for _ in range(3))
    for job in (probe, second, third):
        lane._expect(job, 1_000)
        lane._schedule(job)
        lane._jobs.append(job)
    assert second.expected_done is None and second.next_poll == POLL_FIRST
    clock.now, lane._batch_pace = 10.0, 100.0  # the probe is done: 100 members a second
    lane._replan(probe)
    assert probe.expected_done is None  # done: not planned again
    assert (second.expected_done, third.expected_done) == (10.0 + 10.0, 10.0 + 20.0)
    assert third.next_poll == clock.now + POLL_EARLY * 20.0


def test_the_direct_pace_is_measured_on_the_lanes_clock() -> None:
    """Each direct call's time comes from the lane's clock (the one the batch lane is planned on), smoothed."""
    clock = _Clock()
    lane = _lane(clock)

    def send_one(op: object, seconds: float) -> str:
        clock.now += seconds
        return "sent"

    for seconds in (0.2, 0.2):
        lane.send_one = lambda op, s=seconds: send_one(op, s)  # type: ignore[method-assign]
        assert lane._timed(SimpleNamespace(key="a@example.com")) == "sent"  # type: ignore[arg-type]
    assert lane._seconds_per_member == pytest.approx(0.2)
    assert lane.pace.direct == pytest.approx(10 / 0.2)  # ten workers, a fifth of a second a member
