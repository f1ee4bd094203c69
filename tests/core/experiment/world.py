"""A tiny simulated cluster for the Experiment planner: applies a plan as the API server and
the ReplicaSet controller would (scales become ready pods at once unless the pod template says
``rollouts.test/ready: "false"``), so tests can walk an experiment through its life."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rollouts.api.experiment import Experiment
from rollouts.core.experiment import ExperimentInputs, ExperimentPlan, plan_experiment

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def experiment_doc(**spec: Any) -> dict[str, Any]:
    """An Experiment with two templates ``a`` and ``b`` unless ``templates`` is given."""
    templates = spec.pop("templates", None) or [template_doc("a"), template_doc("b")]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Experiment",
        "metadata": {"name": "ex", "namespace": "ns", "uid": "uid-ex"},
        "spec": {"templates": templates, **spec},
    }


def template_doc(
    name: str, *, ready: bool = True, replicas: int | None = None, **extra: Any
) -> dict[str, Any]:
    labels = {"app": name, **({} if ready else {"rollouts.test/ready": "false"})}
    doc: dict[str, Any] = {
        "name": name,
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": labels},
            "spec": {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}]}]},
        },
        **extra,
    }
    if replicas is not None:
        doc["replicas"] = replicas
    return doc


@dataclass
class World:
    experiment: dict[str, Any]
    now: datetime = T0
    replica_sets: dict[str, dict[str, Any]] = field(default_factory=dict)
    analysis_runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    analysis_templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    plans: list[ExperimentPlan] = field(default_factory=list)

    def inputs(self) -> ExperimentInputs:
        by_template = {
            svc["metadata"]["annotations"]["experiment.argoproj.io/template-name"]: svc
            for svc in self.services.values()
        }
        return ExperimentInputs(
            experiment=Experiment.from_dict(copy.deepcopy(self.experiment)),
            now=self.now,
            replica_sets=list(self.replica_sets.values()),
            analysis_runs=self.analysis_runs,
            analysis_templates=self.analysis_templates,
            services=by_template,
        )

    def plan(self) -> ExperimentPlan:
        return plan_experiment(self.inputs())

    def step(self) -> ExperimentPlan:
        """Plan once, apply the plan, let the ReplicaSets settle."""
        plan = self.plan()
        self.plans.append(plan)
        for rs in plan.create_replica_sets:
            self.replica_sets[rs["metadata"]["name"]] = copy.deepcopy(rs)
        for mark in plan.set_scale_down_deadlines:
            annotations = self.replica_sets[mark.name]["metadata"]["annotations"]
            if mark.deadline is None:
                annotations.pop("scale-down-deadline", None)
            else:
                annotations["scale-down-deadline"] = mark.deadline
        for scale in plan.scale_replica_sets:
            self.replica_sets[scale.name]["spec"]["replicas"] = scale.replicas
        for svc in plan.create_services:
            self.services[svc["metadata"]["name"]] = svc
        for name in plan.delete_services:
            self.services.pop(name, None)
        for run in plan.create_analysis_runs:
            self.analysis_runs[run["metadata"]["name"]] = copy.deepcopy(run)
        for name in plan.terminate_analysis_runs:
            self.analysis_runs[name]["spec"]["terminate"] = True
        if plan.status_changed:
            self.experiment["status"] = plan.status
        self._settle()
        return plan

    def _settle(self) -> None:
        for rs in self.replica_sets.values():
            want = rs["spec"]["replicas"]
            labels = rs["spec"]["template"]["metadata"]["labels"]
            ready = 0 if labels.get("rollouts.test/ready") == "false" else want
            rs["status"] = {"replicas": want, "readyReplicas": ready, "availableReplicas": ready}

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def run_until(self, predicate: Any, *, limit: int = 60, tick: float = 1.0) -> None:
        """Step (advancing ``tick`` seconds, or to the plan's requeue when sooner) until ``predicate()``."""
        for _ in range(limit):
            plan = self.step()
            if predicate():
                return
            wait = plan.requeue_after
            self.advance(tick if wait is None else max(0.001, min(wait, tick)))
        raise AssertionError(f"not reached in {limit} steps; status={self.status}")

    @property
    def status(self) -> dict[str, Any]:
        status: dict[str, Any] = self.experiment.get("status") or {}
        return status

    @property
    def phase(self) -> str | None:
        phase: str | None = self.status.get("phase")
        return phase

    def template_status(self, name: str) -> dict[str, Any]:
        return next(ts for ts in self.status.get("templateStatuses", []) if ts["name"] == name)
