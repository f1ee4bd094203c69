"""apply_traffic: upstream's call order per router and how verdicts combine."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from rollouts.api.rollout_status import WeightDestination
from rollouts.api.steps import SetHeaderRoute, SetMirrorRoute
from rollouts.trafficrouting.apply import TrafficRequest, apply_traffic
from rollouts.trafficrouting.router import TrafficRouter, TrafficRoutingError


class Scripted:
    def __init__(self, name: str, verdict: bool | None, log: list[str], fail_on: str = "") -> None:
        self.name, self.verdict, self.log, self.fail_on = name, verdict, log, fail_on

    def _note(self, call: str) -> None:
        self.log.append(f"{self.name}.{call}")
        if call == self.fail_on:
            raise TrafficRoutingError(f"{self.name} refused {call}")

    def type(self) -> str:
        return self.name

    async def update_hash(self, c: str, s: str, extra: Sequence[WeightDestination] = ()) -> None:
        self._note(f"update_hash({c},{s})")

    async def set_weight(self, w: int, extra: Sequence[WeightDestination] = ()) -> None:
        self._note(f"set_weight({w})")

    async def set_header_route(self, route: SetHeaderRoute) -> None:
        self._note(f"set_header_route({route.name})")

    async def set_mirror_route(self, route: SetMirrorRoute) -> None:
        self._note(f"set_mirror_route({route.name})")

    async def verify_weight(self, w: int, extra: Sequence[WeightDestination] = ()) -> bool | None:
        self._note("verify_weight")
        return self.verdict

    async def remove_managed_routes(self) -> None:
        self._note("remove_managed_routes")


def routers(*verdicts: bool | None, log: list[str], fail_on: str = "") -> list[TrafficRouter]:
    return [Scripted(f"r{i}", v, log, fail_on) for i, v in enumerate(verdicts)]


async def test_call_order_per_router() -> None:
    log: list[str] = []
    request = TrafficRequest(
        30,
        "c",
        "s",
        header_route=SetHeaderRoute(name="h"),
        mirror_route=SetMirrorRoute(name="m"),
        remove_managed_routes=True,
    )
    assert await apply_traffic(routers(True, None, log=log), request) is True
    assert log == [
        "r0.remove_managed_routes",
        "r0.update_hash(c,s)",
        "r0.set_weight(30)",
        "r0.set_header_route(h)",
        "r0.set_mirror_route(m)",
        "r0.verify_weight",
        "r1.remove_managed_routes",
        "r1.update_hash(c,s)",
        "r1.set_weight(30)",
        "r1.set_header_route(h)",
        "r1.set_mirror_route(m)",
        "r1.verify_weight",
    ]


@pytest.mark.parametrize(
    ("verdicts", "combined"),
    [((None, None), None), ((True, None), True), ((True, False), False), ((), None)],
)
async def test_verdicts_combine(verdicts: tuple[bool | None, ...], combined: bool | None) -> None:
    assert await apply_traffic(routers(*verdicts, log=[]), TrafficRequest(10, "c", "s")) is combined


async def test_no_verification_when_off_and_a_failure_stops_the_pass() -> None:
    log: list[str] = []
    assert await apply_traffic(routers(False, log=log), TrafficRequest(10, "c", "s", verify=False)) is None
    assert "r0.verify_weight" not in log
    log.clear()
    with pytest.raises(TrafficRoutingError, match="r0 refused set_weight"):
        await apply_traffic(
            routers(True, True, log=log, fail_on="set_weight(10)"), TrafficRequest(10, "c", "s")
        )
    assert log == ["r0.update_hash(c,s)", "r0.set_weight(10)"]
