"""Safety under arbitrary partitions: two electors sharing one Lease never both believe they lead.

Hypothesis draws a schedule of clock advances and per-candidate network partitions; after every
step the invariant is checked, and a leader's last successful renew is never older than the renew
deadline plus one retry period (when it must have noticed and stepped down).
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rollouts.clock import FakeClock
from rollouts.leaderelection import LeaderElectionConfig, LeaderElector
from tests.leaderelection.fake_lease_api import FakeLeaseApi


class Partitioned:
    """One candidate's view of the shared API, which can be cut off."""

    def __init__(self, api: FakeLeaseApi) -> None:
        self.api = api
        self.cut = False

    def _check(self) -> None:
        if self.cut:
            raise ConnectionError("partitioned")

    async def get(self, name: str, namespace: str) -> dict[str, Any]:
        self._check()
        return await self.api.get(name, namespace)

    async def create(self, body: dict[str, Any], namespace: str) -> dict[str, Any]:
        self._check()
        return await self.api.create(body, namespace)

    async def replace(self, body: dict[str, Any]) -> dict[str, Any]:
        self._check()
        return await self.api.replace(body)


steps = st.lists(
    st.tuples(st.floats(min_value=0.1, max_value=8.0), st.booleans(), st.booleans()), min_size=1, max_size=40
)


@settings(max_examples=60, deadline=None)
@given(steps, st.floats(min_value=0.0, max_value=1.0))
def test_never_two_leaders(schedule: list[tuple[float, bool, bool]], jitter_fraction: float) -> None:
    asyncio.run(_run(schedule, jitter_fraction))


async def _run(schedule: list[tuple[float, bool, bool]], jitter_fraction: float) -> None:
    api, clock = FakeLeaseApi(), FakeClock()
    views = [Partitioned(api), Partitioned(api)]
    electors = [
        LeaderElector(
            view,
            LeaderElectionConfig(name="lock", namespace="ns", identity=f"c{i}"),
            clock,
            jitter=lambda seconds: seconds * (1 + 1.2 * jitter_fraction),
        )
        for i, view in enumerate(views)
    ]
    tasks = [asyncio.create_task(e.run()) for e in electors]
    try:
        await clock.advance(0)
        for advance, cut0, cut1 in schedule:
            views[0].cut, views[1].cut = cut0, cut1
            # advance in small slices so the invariant is checked at every instant that matters
            remaining = advance
            while remaining > 0:
                step = min(0.5, remaining)
                await clock.advance(step)
                remaining -= step
                leading = [e for e in electors if e.is_leader()]
                assert len(leading) <= 1, "two leaders at once"
                for e in leading:
                    age = e.lease_age()
                    assert age is not None and age <= e.config.renew_deadline + e.config.retry_period
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
