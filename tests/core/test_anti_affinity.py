"""Anti-affinity injection into the new ReplicaSet while an update is in progress."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from rollouts.api.rollout import Rollout
from rollouts.core.anti_affinity import injected_term_is_stale, replica_set_affinity
from rollouts.core.pod_hash import pod_template_hash
from tests.core.docs import rollout_doc
from tests.core.sim_cluster import SimCluster

T0 = datetime(2026, 1, 1, tzinfo=UTC)
USER_AFFINITY = {
    "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}}
}


def _doc(anti_affinity: dict[str, Any] | None, affinity: dict[str, Any] | None = None) -> dict[str, Any]:
    canary: dict[str, Any] = {"steps": [{"setWeight": 50}, {"pause": {}}]}
    if anti_affinity is not None:
        canary["antiAffinity"] = anti_affinity
    doc = rollout_doc({"canary": canary})
    if affinity is not None:
        doc["spec"]["template"]["spec"]["affinity"] = affinity
    return doc


def _term(stable: str) -> dict[str, Any]:
    return {
        "labelSelector": {
            "matchExpressions": [{"key": "rollouts-pod-template-hash", "operator": "In", "values": [stable]}]
        },
        "namespaces": ["ns"],
        "topologyKey": "kubernetes.io/hostname",
    }


PREFERRED = {"preferredDuringSchedulingIgnoredDuringExecution": {"weight": 40}}
REQUIRED = {"requiredDuringSchedulingIgnoredDuringExecution": {}}


@pytest.mark.parametrize(
    ("anti", "own", "stable", "current", "expected"),
    [
        (None, None, "s", "c", None),  # not configured
        (None, USER_AFFINITY, "s", "c", USER_AFFINITY),  # the user's own is kept as is
        ({}, None, "s", "c", None),  # configured but empty: nothing
        (PREFERRED, None, "", "c", None),  # initial deploy: no stable yet
        (PREFERRED, None, "c", "c", None),  # fully promoted: no update in progress
        (
            PREFERRED,
            None,
            "s",
            "c",
            {
                "podAntiAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {"weight": 40, "podAffinityTerm": _term("s")}
                    ]
                }
            },
        ),
        (
            REQUIRED,
            USER_AFFINITY,
            "s",
            "c",
            {
                **USER_AFFINITY,
                "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [_term("s")]},
            },
        ),
    ],
)
def test_replica_set_affinity(
    anti: dict[str, Any] | None,
    own: dict[str, Any] | None,
    stable: str,
    current: str,
    expected: dict[str, Any] | None,
) -> None:
    doc = _doc(anti, own)
    ro = Rollout.from_dict(doc)
    assert replica_set_affinity(ro, doc["spec"]["template"], stable, current) == expected


def test_user_anti_affinity_terms_are_kept_before_the_injected_one() -> None:
    own = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": "zone"}]}}
    doc = _doc(REQUIRED, own)
    affinity = replica_set_affinity(Rollout.from_dict(doc), doc["spec"]["template"], "s", "c")
    assert affinity is not None
    assert affinity["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] == [
        {"topologyKey": "zone"},
        _term("s"),
    ]
    assert doc["spec"]["template"]["spec"]["affinity"] == own  # the Rollout's template is not modified


def test_stale_term_detection() -> None:
    ro = Rollout.from_dict(_doc(PREFERRED))
    current = {
        "podAntiAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 40, "podAffinityTerm": _term("s")}]
        }
    }
    assert not injected_term_is_stale(ro, current, "s", "c")
    assert injected_term_is_stale(ro, current, "s2", "c")
    assert not injected_term_is_stale(ro, current, "c", "c")  # promoted: left alone
    assert not injected_term_is_stale(ro, None, "s2", "c")  # nothing injected
    assert not injected_term_is_stale(Rollout.from_dict(_doc(None)), current, "s2", "c")


def test_update_injects_the_stable_hash_and_keeps_the_template_hash() -> None:
    sim = SimCluster(_doc(PREFERRED), T0)
    first = sim.plan()
    assert first.create_replica_set is not None
    assert "affinity" not in first.create_replica_set["spec"]["template"]["spec"]  # initial deploy
    sim.settle()
    stable = sim.rollout["status"]["stableRS"]
    sim.set_image("demo:2")
    plan = sim.plan()
    created = plan.create_replica_set
    assert created is not None
    anti = created["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"]
    assert anti["preferredDuringSchedulingIgnoredDuringExecution"] == [
        {"weight": 40, "podAffinityTerm": _term(stable)}
    ]
    assert created["metadata"]["labels"]["rollouts-pod-template-hash"] == pod_template_hash(
        sim.rollout["spec"]["template"], None
    )
    sim.apply(plan)
    again = sim.plan()
    assert again.create_replica_set is None and again.affinity_updates == {}
    name = created["metadata"]["name"]
    # A term naming an outdated stable hash is rewritten to the current one.
    term = sim.replica_sets[name]["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"][
        "preferredDuringSchedulingIgnoredDuringExecution"
    ][0]["podAffinityTerm"]
    term["labelSelector"]["matchExpressions"][0]["values"] = ["outdated"]
    fix = sim.plan()
    assert fix.affinity_updates == {name: {"podAntiAffinity": anti}}
    sim.apply(fix)
    assert sim.plan().affinity_updates == {}
    assert sim.settle().status["phase"] == "Healthy"
