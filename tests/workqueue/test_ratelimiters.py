"""Rate limiters: client-go's sequences, on a fake clock."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollouts.clock import FakeClock
from rollouts.workqueue.ratelimiters import (
    ItemExponentialFailureRateLimiter,
    MaxOfRateLimiter,
    TokenBucketRateLimiter,
    controller_rate_limiter,
    default_controller_rate_limiter,
)


def test_argo_rollouts_preset_doubles_from_1ms_and_caps_at_10s() -> None:
    limiter = controller_rate_limiter()
    delays = [limiter.when("ns/a") for _ in range(20)]
    # 1 ms * 2**13 = 8.192 s is the last step below the 10 s cap.
    assert delays[:14] == pytest.approx([0.001 * 2**n for n in range(14)])
    assert delays[14:] == [10.0] * 6
    assert limiter.num_requeues("ns/a") == 20


def test_failures_are_counted_per_key_and_forget_resets_one_key() -> None:
    limiter = controller_rate_limiter()
    for _ in range(3):
        limiter.when("ns/a")
    assert limiter.when("ns/b") == pytest.approx(0.001)
    limiter.forget("ns/a")
    assert limiter.num_requeues("ns/a") == 0
    assert limiter.num_requeues("ns/b") == 1
    assert limiter.when("ns/a") == pytest.approx(0.001)


def test_a_key_failing_forever_stays_at_the_cap() -> None:
    limiter = ItemExponentialFailureRateLimiter(base=0.005, cap=1000.0)
    for _ in range(5000):
        delay = limiter.when("k")
    assert delay == 1000.0


@given(base=st.floats(1e-6, 1.0), cap_factor=st.floats(1.0, 1e6), failures=st.integers(0, 200))
def test_exponential_delay_is_monotonic_and_bounded(base: float, cap_factor: float, failures: int) -> None:
    cap = base * cap_factor
    limiter = ItemExponentialFailureRateLimiter(base=base, cap=cap)
    delays = [limiter.when("k") for _ in range(failures + 1)]
    assert all(base <= d <= cap for d in delays)
    assert delays == sorted(delays)
    assert delays[-1] == min(cap, base * 2.0**failures)


def test_token_bucket_allows_a_burst_then_spaces_requests_by_one_over_qps() -> None:
    clock = FakeClock()
    bucket = TokenBucketRateLimiter(qps=10.0, burst=100, clock=clock)
    burst = [bucket.when(f"k{i}") for i in range(100)]
    assert burst == [0.0] * 100
    # The bucket is empty: each further request waits one more tenth of a second.
    after = [bucket.when(f"x{i}") for i in range(3)]
    assert after == pytest.approx([0.1, 0.2, 0.3])


async def test_token_bucket_refills_at_qps_up_to_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucketRateLimiter(qps=10.0, burst=5, clock=clock)
    for _ in range(5):
        assert bucket.when("k") == 0.0
    await clock.advance(0.2)  # two tokens back
    assert [bucket.when("k") for _ in range(3)] == pytest.approx([0.0, 0.0, 0.1])
    await clock.advance(3600)  # refill never exceeds the burst
    assert [bucket.when("k") for _ in range(6)] == pytest.approx([0, 0, 0, 0, 0, 0.1])


async def test_token_bucket_debt_is_repaid_before_anyone_is_served_free() -> None:
    clock = FakeClock()
    bucket = TokenBucketRateLimiter(qps=1.0, burst=1, clock=clock)
    assert bucket.when("a") == 0.0
    assert bucket.when("b") == pytest.approx(1.0)
    assert bucket.when("c") == pytest.approx(2.0)
    await clock.advance(1.5)
    assert bucket.when("d") == pytest.approx(1.5)
    assert bucket.num_requeues("a") == 0


def test_max_of_takes_the_longest_delay_and_every_limiter_records() -> None:
    clock = FakeClock()
    limiter = default_controller_rate_limiter(clock)
    per_item, bucket = limiter.limiters
    assert isinstance(per_item, ItemExponentialFailureRateLimiter)
    assert isinstance(bucket, TokenBucketRateLimiter)
    assert (per_item.base, per_item.cap, bucket.qps, bucket.burst) == (0.005, 1000.0, 10.0, 100)

    # The first 100 failures of 100 different keys: only the per-item 5 ms applies.
    assert [limiter.when(f"k{i}") for i in range(100)] == pytest.approx([0.005] * 100)
    # The bucket is now empty, and its 0.1 s exceeds the per-item 5 ms.
    assert limiter.when("k0") == pytest.approx(0.1)
    assert limiter.num_requeues("k0") == 2
    limiter.forget("k0")
    assert limiter.num_requeues("k0") == 0


def test_max_of_with_two_exponentials() -> None:
    limiter = MaxOfRateLimiter(
        ItemExponentialFailureRateLimiter(0.001, 1.0), ItemExponentialFailureRateLimiter(0.01, 0.02)
    )
    assert [limiter.when("k") for _ in range(4)] == pytest.approx([0.01, 0.02, 0.02, 0.02])


@pytest.mark.parametrize(
    ("base", "cap"), [(0.0, 1.0), (-1.0, 1.0), (1.0, 0.5), (math.nan, 1.0), (0.1, math.inf)]
)
def test_bad_exponential_parameters_are_rejected_clearly(base: float, cap: float) -> None:
    with pytest.raises(ValueError, match="delay"):
        ItemExponentialFailureRateLimiter(base=base, cap=cap)


def test_bad_bucket_parameters_are_rejected_clearly() -> None:
    clock = FakeClock()
    with pytest.raises(ValueError, match="qps"):
        TokenBucketRateLimiter(qps=0.0, burst=1, clock=clock)
    with pytest.raises(ValueError, match="burst"):
        TokenBucketRateLimiter(qps=1.0, burst=0, clock=clock)
    with pytest.raises(ValueError, match="at least one"):
        MaxOfRateLimiter()
