"""Finding the new ReplicaSet: by hash label, then by semantic template equality (adoption)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rollouts.core.pod_defaults import default_image_pull_policy, with_pod_defaults
from rollouts.core.pod_hash import POD_TEMPLATE_HASH_LABEL, pod_template_hash
from rollouts.core.replica_sets import (
    EPHEMERAL_METADATA_ANNOTATION,
    ReplicaSetView,
    find_new_replica_set,
)

TEMPLATE: dict[str, Any] = {
    "metadata": {"labels": {"app": "demo"}},
    "spec": {"containers": [{"name": "app", "image": "demo:1", "ports": [{"containerPort": 8080}]}]},
}


def _rs(
    name: str, template: dict[str, Any], hash_label: str, created: str, **annotations: str
) -> ReplicaSetView:
    live = json.loads(json.dumps(template))
    live.setdefault("metadata", {}).setdefault("labels", {})[POD_TEMPLATE_HASH_LABEL] = hash_label
    return ReplicaSetView(
        {
            "metadata": {
                "name": name,
                "creationTimestamp": created,
                "labels": {"app": "demo", POD_TEMPLATE_HASH_LABEL: hash_label},
                "annotations": annotations,
            },
            "spec": {"replicas": 3, "template": live},
            "status": {"replicas": 3, "availableReplicas": 2},
        }
    )


def test_found_by_hash() -> None:
    wanted = pod_template_hash(TEMPLATE, None)
    other = _rs("demo-old", {"metadata": {}}, "zzz", "2026-01-01T00:00:00Z")
    new = _rs(f"demo-{wanted}", TEMPLATE, wanted, "2026-01-02T00:00:00Z")
    assert find_new_replica_set(TEMPLATE, None, [other, new]) == new


def test_adopted_by_semantic_equality_despite_defaults_and_injected_metadata() -> None:
    # As upstream's controller left it: a different hash (other library version), API-server
    # defaults filled in, canary metadata injected and recorded in the annotation.
    live = with_pod_defaults(TEMPLATE)
    live["metadata"]["labels"]["role"] = "canary"
    rs = _rs(
        "demo-abc",
        live,
        "abc",
        "2026-01-01T00:00:00Z",
        **{EPHEMERAL_METADATA_ANNOTATION: json.dumps({"labels": {"role": "canary"}})},
    )
    assert find_new_replica_set(TEMPLATE, None, [rs]) == rs


#: TEMPLATE as kube-apiserver v1.34 stores it in a ReplicaSet (read back from the local control
#: plane): the PodSpec and container defaults, but not the Pod-only enableServiceLinks.
STORED_BY_THE_API_SERVER: dict[str, Any] = {
    "metadata": {"labels": {"app": "demo"}},
    "spec": {
        "containers": [
            {
                "name": "app",
                "image": "demo:1",
                "imagePullPolicy": "IfNotPresent",
                "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                "resources": {},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
            }
        ],
        "dnsPolicy": "ClusterFirst",
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "terminationGracePeriodSeconds": 30,
    },
}


@pytest.mark.parametrize(
    "desired",
    [
        pytest.param(TEMPLATE, id="as-written"),
        # `kubectl-rollouts undo` (and upstream's) copies the ReplicaSet's stored template back
        pytest.param(STORED_BY_THE_API_SERVER, id="copied-back-by-undo"),
    ],
)
def test_a_template_stored_by_the_api_server_is_found_by_equality(desired: dict[str, Any]) -> None:
    rs = _rs("demo-abc", STORED_BY_THE_API_SERVER, "abc", "2026-01-01T00:00:00Z")
    assert pod_template_hash(desired, None) != "abc"
    assert find_new_replica_set(desired, None, [rs]) == rs


def test_a_real_template_change_is_not_adopted() -> None:
    changed = json.loads(json.dumps(TEMPLATE))
    changed["spec"]["containers"][0]["image"] = "demo:2"
    rs = _rs("demo-abc", with_pod_defaults(TEMPLATE), "abc", "2026-01-01T00:00:00Z")
    assert find_new_replica_set(changed, None, [rs]) is None


def test_injected_anti_affinity_is_ignored() -> None:
    live = with_pod_defaults(TEMPLATE)
    live["spec"]["affinity"] = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "labelSelector": {
                        "matchExpressions": [
                            {"key": POD_TEMPLATE_HASH_LABEL, "operator": "In", "values": ["stable1"]}
                        ]
                    },
                    "topologyKey": "kubernetes.io/hostname",
                }
            ]
        }
    }
    rs = _rs("demo-abc", live, "abc", "2026-01-01T00:00:00Z")
    assert find_new_replica_set(TEMPLATE, None, [rs]) == rs


def test_view_reads_zero_values_for_missing_fields() -> None:
    view = ReplicaSetView({"metadata": {"annotations": {"rollout.argoproj.io/revision": "x"}}})
    assert (view.name, view.spec_replicas, view.available_replicas, view.revision) == ("", 1, 0, 0)
    assert view.injected_metadata == {}


def test_image_pull_policy_default() -> None:
    assert default_image_pull_policy("nginx") == "Always"
    assert default_image_pull_policy("nginx:latest") == "Always"
    assert default_image_pull_policy("registry:5000/nginx") == "Always"
    assert default_image_pull_policy("registry:5000/nginx:1.2") == "IfNotPresent"
    assert default_image_pull_policy("nginx@sha256:abc") == "IfNotPresent"
