"""A tiny simulated cluster for the planners: ReplicaSets whose pods appear at once and
become ready only when the test says so, and a Rollout whose status is what the last plan wrote.

With ``track_pods`` the pods exist as objects (for restarts): each ReplicaSet's status is then
counted from its pods, evicted pods are replaced at once by new, unready ones, and scale-downs
remove unready pods first, then the newest."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rollouts.api.rollout import Rollout
from rollouts.core.plan import Plan, StepOutcome, plan_canary
from rollouts.core.plan_bluegreen import plan_bluegreen


@dataclass
class SimCluster:
    rollout: dict[str, Any]
    now: datetime
    replica_sets: dict[str, dict[str, Any]] = field(default_factory=dict)
    created: int = 0
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    pre_promotion: str | None = None
    post_promotion: str | None = None
    pre_promotion_message: str = ""
    post_promotion_message: str = ""
    background: StepOutcome | None = None
    track_pods: bool = False
    pods: dict[str, dict[str, Any]] = field(default_factory=dict)
    pods_created: int = 0
    #: The Deployment named by spec.workloadRef, if any (its spec.replicas follows the plans).
    workload: dict[str, Any] | None = None

    def model(self) -> Rollout:
        return Rollout.from_dict(self.rollout)

    def plan(self, outcome: StepOutcome | None = None) -> Plan:
        if "blueGreen" in self.rollout["spec"]["strategy"]:
            return plan_bluegreen(
                self.model(),
                list(self.replica_sets.values()),
                self.services,
                self.now,
                pre_promotion_phase=self.pre_promotion,
                post_promotion_phase=self.post_promotion,
                pre_promotion_message=self.pre_promotion_message,
                post_promotion_message=self.post_promotion_message,
                pods=self._pods_arg(),
                workload=self.workload,
            )
        return plan_canary(
            self.model(),
            list(self.replica_sets.values()),
            self.now,
            step_outcome=outcome,
            services=self.services or None,
            background_outcome=self.background,
            pods=self._pods_arg(),
            workload=self.workload,
        )

    def _pods_arg(self) -> list[dict[str, Any]] | None:
        return list(self.pods.values()) if self.track_pods else None

    def _owned_pods(self, rs: dict[str, Any]) -> list[dict[str, Any]]:
        uid = rs["metadata"]["uid"]
        return [pod for pod in self.pods.values() if pod["metadata"]["ownerReferences"][0]["uid"] == uid]

    @staticmethod
    def _ready(pod: dict[str, Any]) -> bool:
        return bool(pod["status"]["conditions"][0]["status"] == "True")

    def _sync_pods(self) -> None:
        """Bring each ReplicaSet's pods to its spec, then count its status from them."""
        for rs in self.replica_sets.values():
            owned = self._owned_pods(rs)
            while len(owned) < rs["spec"]["replicas"]:
                self.pods_created += 1
                name = f"{rs['metadata']['name']}-p{self.pods_created}"
                created = self.now + timedelta(microseconds=self.pods_created)
                self.pods[name] = {
                    "metadata": {
                        "name": name,
                        "creationTimestamp": created.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                        "ownerReferences": [
                            {"kind": "ReplicaSet", "uid": rs["metadata"]["uid"], "controller": True}
                        ],
                    },
                    "status": {"conditions": [{"type": "Ready", "status": "False"}]},
                }
                owned.append(self.pods[name])
            # Scale-down removes unready pods first, then the newest.
            doomed = sorted(owned, key=lambda p: str(p["metadata"]["creationTimestamp"]), reverse=True)
            doomed.sort(key=self._ready)  # stable: unready first, newest first within each group
            for pod in doomed[: max(0, len(owned) - rs["spec"]["replicas"])]:
                del self.pods[pod["metadata"]["name"]]
            remaining = self._owned_pods(rs)
            ready = sum(1 for pod in remaining if self._ready(pod))
            rs["status"].update(replicas=len(remaining), readyReplicas=ready, availableReplicas=ready)

    def selected_hash(self, service: str) -> str | None:
        selector: dict[str, str] = self.services[service]["spec"]["selector"]
        return selector.get("rollouts-pod-template-hash")

    def apply(self, plan: Plan) -> None:
        if plan.create_replica_set is not None:
            rs = copy.deepcopy(plan.create_replica_set)
            self.created += 1
            rs["metadata"]["creationTimestamp"] = (self.now + timedelta(microseconds=self.created)).strftime(
                "%Y-%m-%dT%H:%M:%S.%fZ"
            )
            rs["status"] = {"replicas": 0, "readyReplicas": 0, "availableReplicas": 0}
            rs["metadata"]["uid"] = f"uid-{rs['metadata']['name']}"
            self.replica_sets[rs["metadata"]["name"]] = rs
        for change in plan.scales:
            rs = self.replica_sets[change.name]
            rs["spec"]["replicas"] = change.replicas
            annotations = rs["metadata"].setdefault("annotations", {})
            for key, value in change.annotations.items():
                if value is None:
                    annotations.pop(key, None)
                else:
                    annotations[key] = value
            # Pods are created (not ready) or deleted at once; deletions take ready pods last.
            st = rs["status"]
            st["replicas"] = change.replicas
            st["readyReplicas"] = min(st["readyReplicas"], change.replicas)
            st["availableReplicas"] = min(st["availableReplicas"], change.replicas)
        for meta in plan.template_metadata:
            target = self.replica_sets[meta.name]
            target["spec"]["template"]["metadata"] = copy.deepcopy(meta.template_metadata)
            annotations = target["metadata"].setdefault("annotations", {})
            if meta.ephemeral_annotation is None:
                annotations.pop("rollout.argoproj.io/ephemeral-metadata", None)
            else:
                annotations["rollout.argoproj.io/ephemeral-metadata"] = meta.ephemeral_annotation
        for name, affinity in plan.affinity_updates.items():
            pod_spec = self.replica_sets[name]["spec"]["template"]["spec"]
            if affinity is None:
                pod_spec.pop("affinity", None)
            else:
                pod_spec["affinity"] = copy.deepcopy(affinity)
        for name in plan.delete_replica_sets:
            del self.replica_sets[name]
        for change in plan.service_selectors:
            self.services[change.service]["spec"]["selector"]["rollouts-pod-template-hash"] = (
                change.pod_template_hash
            )
        annotations = self.rollout["metadata"].setdefault("annotations", {})
        for key, value in plan.rollout_annotations.items():
            if value is None:
                annotations.pop(key, None)
            else:
                annotations[key] = value
        self.rollout["status"] = copy.deepcopy(plan.status)
        if plan.workload_replicas is not None and self.workload is not None:
            self.workload["spec"]["replicas"] = plan.workload_replicas
        for name in plan.evict_pods:
            self.pods.pop(name, None)
        if self.track_pods:
            self._sync_pods()

    def make_ready(self, name: str, count: int) -> None:
        if self.track_pods:
            rs = self.replica_sets[name]
            for pod in sorted(self._owned_pods(rs), key=lambda p: p["metadata"]["creationTimestamp"]):
                if count > 0 and not self._ready(pod):
                    pod["status"]["conditions"][0].update(status="True", lastTransitionTime=self._stamp())
                    count -= 1
            self._sync_pods()
            return
        st = self.replica_sets[name]["status"]
        st["readyReplicas"] = st["availableReplicas"] = min(st["replicas"], st["availableReplicas"] + count)

    def make_unready(self, name: str, count: int) -> None:
        st = self.replica_sets[name]["status"]
        st["readyReplicas"] = st["availableReplicas"] = max(0, st["availableReplicas"] - count)

    def _stamp(self) -> str:
        return self.now.strftime("%Y-%m-%dT%H:%M:%SZ")

    def set_image(self, image: str) -> None:
        """A template change, as ``kubectl argo rollouts set image`` makes it."""
        self.rollout["spec"]["template"]["spec"]["containers"][0]["image"] = image
        self.rollout["metadata"]["generation"] += 1

    def promote(self) -> None:
        self.rollout.setdefault("spec", {})["paused"] = False
        self.rollout.setdefault("status", {}).pop("pauseConditions", None)

    def total_spec(self) -> int:
        return sum(rs["spec"]["replicas"] for rs in self.replica_sets.values())

    def total_available(self) -> int:
        return sum(rs["status"]["availableReplicas"] for rs in self.replica_sets.values())

    def settle(self, rounds: int = 60) -> Plan:
        """Make every pod ready, promote every pause and re-plan until nothing changes."""
        plan = self.plan()
        for _ in range(rounds):
            self.apply(plan)
            for name in self.replica_sets:
                self.make_ready(name, 10_000)
            self.promote()
            self.now += timedelta(seconds=31)
            plan = self.plan()
            if not plan.changes_cluster and plan.status == self.rollout["status"]:
                return plan
        return plan
