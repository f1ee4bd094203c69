"""``status`` (phase as upstream's client shows it, watch, exit codes) and the ``list`` tables."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from rollouts.cli.info import rollout_phase, set_weight
from rollouts.cli.table import tabulate
from rollouts.k8s.resources import EXPERIMENTS, ROLLOUTS
from tests.cli.conftest import Invoke, rollout
from tests.cli.fake import FakeClient

HEALTHY: dict[str, Any] = {"phase": "Healthy", "message": "", "observedGeneration": "1"}
DEGRADED: dict[str, Any] = {
    "phase": "Degraded",
    "message": "RolloutAborted: aborted",
    "observedGeneration": "1",
}
PAUSED: dict[str, Any] = {
    "phase": "Paused",
    "message": "CanaryPauseStep",
    "observedGeneration": "1",
    "pauseConditions": [{"reason": "CanaryPauseStep"}],
    "controllerPause": True,
}


def test_client_side_phase_wrappers() -> None:
    unobserved = rollout(status={**HEALTHY, "observedGeneration": "0"})
    assert rollout_phase(unobserved) == ("Progressing", "waiting for rollout spec update to be observed")
    unpausing = rollout(status={**HEALTHY, "controllerPause": True})
    assert rollout_phase(unpausing) == ("Progressing", "waiting for rollout to unpause")
    assert rollout_phase(rollout(status=PAUSED)) == ("Paused", "CanaryPauseStep")
    # no phase written (old controller): computed by the core's rules
    computed = rollout(status={"replicas": 3, "updatedReplicas": 1, "availableReplicas": 1})
    assert rollout_phase(computed) == ("Progressing", "more replicas need to be updated")


@pytest.mark.parametrize(
    ("status", "code", "output"),
    [
        (HEALTHY, 0, "Healthy\n"),
        (PAUSED, 0, "Paused - CanaryPauseStep\n"),
        (
            DEGRADED,
            1,
            "Degraded\nError: The rollout is in a degraded state with message: RolloutAborted: aborted\n",
        ),
    ],
)
def test_status_without_watch(
    fake: FakeClient, invoke: Invoke, status: dict[str, Any], code: int, output: str
) -> None:
    fake.add(ROLLOUTS, rollout(status=status))
    result = invoke("status", "guestbook", "--watch=false")
    assert (result.exit_code, result.output) == (code, output)


def test_status_watch_follows_until_healthy(fake: FakeClient, invoke: Invoke) -> None:
    ro = rollout(status=PAUSED)
    ro["metadata"]["resourceVersion"] = "5"
    fake.add(ROLLOUTS, ro)
    progressing = rollout(
        status={
            "phase": "Progressing",
            "message": "more replicas need to be updated",
            "observedGeneration": "1",
        }
    )
    fake.watch_batches = [
        [{"type": "MODIFIED", "object": progressing}, {"type": "MODIFIED", "object": progressing}],
        [{"type": "ERROR", "object": {"kind": "Status", "code": 410}}],  # relist from a fresh get
        [
            {"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "9"}}},
            {"type": "MODIFIED", "object": rollout(status=HEALTHY)},
        ],
    ]
    result = invoke("status", "guestbook")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Paused - CanaryPauseStep\nProgressing - more replicas need to be updated\n"
        "Paused - CanaryPauseStep\nHealthy\n"
    )
    assert [c.body for c in fake.calls if c.verb == "watch"] == ["metadata.name=guestbook"] * 3


def test_status_watch_degraded_exits_1(fake: FakeClient, invoke: Invoke) -> None:
    fake.add(ROLLOUTS, rollout(status=PAUSED))
    fake.watch_batches = [[{"type": "MODIFIED", "object": rollout(status=DEGRADED)}]]
    result = invoke("status", "guestbook")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Paused - CanaryPauseStep",
        "Degraded - RolloutAborted: aborted",
        "Error: The rollout is in a degraded state with message: RolloutAborted: aborted",
    ]


def test_status_watch_timeout_exits_1(
    fake: FakeClient, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.add(ROLLOUTS, rollout(status=PAUSED))

    async def never_ends(*args: Any, **kwargs: Any) -> Any:
        import asyncio

        await asyncio.sleep(3600)
        yield {}

    monkeypatch.setattr(fake, "watch", never_ends)
    result = invoke("status", "guestbook", "--timeout", "50ms")
    assert result.exit_code == 1
    assert result.output == "Paused - CanaryPauseStep\nError: Rollout status watch exceeded timeout\n"


def test_set_weight() -> None:
    steps = [{"setWeight": 20}, {"pause": {}}, {"setWeight": 50}, {"pause": {}}]
    assert set_weight(rollout(steps=steps, status={"currentStepIndex": 1})) == 20
    assert set_weight(rollout(steps=steps, status={"currentStepIndex": 3})) == 50
    assert set_weight(rollout(steps=steps, status={"currentStepIndex": 4})) == 100
    assert set_weight(rollout(steps=steps, status={"currentStepIndex": 3, "abort": True})) == 0
    assert set_weight(rollout(steps=[{"pause": {}}], status={})) == 0


def test_tabulate_pads_all_but_the_last_cell() -> None:
    assert tabulate(["A\tBB\tC", "aaa\tb\tccc"]) == "A    BB  C\naaa  b   ccc\n"


def test_list_rollouts(fake: FakeClient, invoke: Invoke) -> None:
    fake.add(
        ROLLOUTS,
        rollout(
            status={
                **PAUSED,
                "currentStepIndex": 1,
                "replicas": 3,
                "readyReplicas": 3,
                "updatedReplicas": 1,
                "availableReplicas": 3,
            }
        ),
    )
    fake.add(ROLLOUTS, rollout("bg", blue_green=True, status=HEALTHY))
    result = invoke("list", "rollouts")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "NAME        STRATEGY   STATUS        STEP  SET-WEIGHT  READY  DESIRED  UP-TO-DATE  AVAILABLE\n"
        "bg          BlueGreen  Healthy       -     -           0/0    3        0           0        \n"
        "guestbook   Canary     Paused        1/2   20          3/3    3        1           3        \n"
    )
    assert [c.namespace for c in fake.calls if c.verb == "list"] == ["default"]


def test_list_all_namespaces_and_empty(fake: FakeClient, invoke: Invoke) -> None:
    result = invoke("list", "ro", "-A")
    assert (result.exit_code, result.output) == (0, "No resources found.\n")
    assert [c.namespace for c in fake.calls if c.verb == "list"] == [None]
    fake.add(ROLLOUTS, rollout(namespace="team-a", status=HEALTHY))
    assert invoke("list", "rollouts", "-A").output.splitlines()[1].startswith("team-a     guestbook")


def test_list_experiments(fake: FakeClient, invoke: Invoke) -> None:
    fake.add(
        EXPERIMENTS,
        {
            "metadata": {"name": "exp", "namespace": "default", "creationTimestamp": "2026-03-01T11:00:00Z"},
            "spec": {"duration": "2h"},
            "status": {"phase": "Running", "availableAt": "2026-03-01T11:30:00Z"},
        },
    )
    result = invoke("list", "experiments")
    assert result.output == (
        "NAME        STATUS   DURATION  REMAINING  AGE\nexp         Running  120m      90m        60m\n"
    )  # apimachinery: 120m, not 2h


def scripted_watch(
    batches: list[list[dict[str, Any]]], before_each: Callable[[dict[str, Any]], None] | None = None
) -> Callable[..., AsyncIterator[dict[str, Any]]]:
    """A ``watch`` serving one batch per call; once they are used up the connection "resets",
    which ends the otherwise endless ``--watch`` with its one-line error."""
    from rollouts.k8s.errors import TransportError

    async def watch(*args: Any, **kwargs: Any) -> AsyncIterator[dict[str, Any]]:
        if before_each is not None:
            before_each(kwargs)
        if not batches:
            raise TransportError("connection reset")
        for event in batches.pop(0):
            yield event

    return watch


def test_list_watch_prints_changed_rows(fake: FakeClient, invoke: Invoke) -> None:

    fake.add(ROLLOUTS, rollout(status=PAUSED))
    healthy = rollout(status={**HEALTHY, "currentStepIndex": 2})
    batches = [
        [
            {"type": "MODIFIED", "object": rollout(status=PAUSED)},  # unchanged row: not printed
            {"type": "MODIFIED", "object": healthy},
        ],
    ]

    fake.watch = scripted_watch(batches)  # type: ignore[method-assign]
    result = invoke("list", "rollouts", "--watch")
    assert result.output.splitlines() == [
        "NAME        STRATEGY   STATUS        STEP  SET-WEIGHT  READY  DESIRED  UP-TO-DATE  AVAILABLE",
        "guestbook   Canary     Paused        -     20          0/0    3        0           0        ",
        "guestbook   Canary     Healthy       2/2   100         0/0    3        0           0        ",
        "Error: cannot reach the Kubernetes API server: connection reset",
    ]


def test_list_experiments_watch_prints_changed_rows(fake: FakeClient, invoke: Invoke) -> None:

    def experiment(name: str, phase: str) -> dict[str, Any]:
        return {
            "metadata": {
                "name": name,
                "namespace": "default",
                "creationTimestamp": "2026-03-01T11:00:00Z",
                "resourceVersion": "7",
            },
            "spec": {"duration": "2h"},
            "status": {"phase": phase, "availableAt": "2026-03-01T11:30:00Z"},
        }

    fake.add(EXPERIMENTS, experiment("exp", "Running"))
    batches = [
        [
            {"type": "MODIFIED", "object": experiment("exp", "Running")},  # unchanged row: not printed
            {"type": "ADDED", "object": experiment("other", "Pending")},
            {"type": "MODIFIED", "object": experiment("exp", "Successful")},
        ],
        [{"type": "ERROR", "object": {"kind": "Status", "code": 410}}],
    ]
    watched: list[dict[str, Any]] = []

    def before_each(kwargs: dict[str, Any]) -> None:
        watched.append(kwargs)
        if len(batches) == 1:  # the server caught up before the 410: the relist shows nothing new
            fake.add(EXPERIMENTS, experiment("exp", "Successful"))
            fake.add(EXPERIMENTS, experiment("other", "Pending"))

    fake.watch = scripted_watch(batches, before_each)  # type: ignore[method-assign]
    result = invoke("list", "experiments", "--watch")
    assert result.output.splitlines() == [
        "NAME        STATUS   DURATION  REMAINING  AGE",
        "exp         Running  120m      90m        60m",
        "other       Pending  120m      90m        60m",
        "exp         Successful  120m      -          60m",  # each change is its own line, as upstream's
        "Error: cannot reach the Kubernetes API server: connection reset",
    ]
    assert [w["resource_version"] for w in watched] == ["1", "7", "1"]  # after ERROR: from a fresh list
    lists = [c for c in fake.calls if c.verb == "list"]
    assert [(c.plural, c.namespace) for c in lists] == [("experiments", "default")] * 2


def test_missing_kubeconfig_is_one_line() -> None:
    from rollouts.cli.session import CliError, Target, run_command

    async def never(client: Any) -> None:
        raise AssertionError("must not run")

    with pytest.raises(CliError, match=r"^kubeconfig /nonexistent/config: no such file$"):
        run_command(Target("/nonexistent/config", None, "default"), never)
