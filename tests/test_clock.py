import asyncio

from rollouts.clock import FakeClock


async def test_fake_clock_wakes_sleepers_in_deadline_order() -> None:
    clock = FakeClock()
    woken: list[tuple[int, float]] = []

    async def sleeper(n: int) -> None:
        await clock.sleep(n)
        woken.append((n, clock.monotonic() - 1000.0))

    tasks = [asyncio.create_task(sleeper(n)) for n in (3, 1, 2)]
    await asyncio.sleep(0)
    assert clock.sleepers == 3
    await clock.advance(2.5)
    assert woken == [(1, 1.0), (2, 2.0)]
    await clock.advance(1)
    assert woken == [(1, 1.0), (2, 2.0), (3, 3.0)]
    await asyncio.gather(*tasks)


async def test_wall_clock_moves_with_monotonic() -> None:
    clock = FakeClock()
    start = clock.now()
    await clock.advance(90)
    assert (clock.now() - start).total_seconds() == 90
