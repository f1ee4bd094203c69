"""A tiny simulated cluster for the canary planner: ReplicaSets whose pods appear at once and
become ready only when the test says so, and a Rollout whose status is what the last plan wrote."""

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
            )
        return plan_canary(
            self.model(),
            list(self.replica_sets.values()),
            self.now,
            step_outcome=outcome,
            services=self.services or None,
            background_outcome=self.background,
        )

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

    def make_ready(self, name: str, count: int) -> None:
        st = self.replica_sets[name]["status"]
        st["readyReplicas"] = st["availableReplicas"] = min(st["replicas"], st["availableReplicas"] + count)

    def make_unready(self, name: str, count: int) -> None:
        st = self.replica_sets[name]["status"]
        st["readyReplicas"] = st["availableReplicas"] = max(0, st["availableReplicas"] - count)

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
