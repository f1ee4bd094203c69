"""Print one line each time a Rollout's visible state changes (used by hack/demo.sh).

A line shows: time, step (index/total), canary weight, canary and stable ReplicaSet ready/desired
replicas, phase and message. It polls with kubectl (the demo needs nothing else) and exits 0 when
the Rollout is Healthy on its newest revision and --until-healthy is given, 1 on Degraded, and 2
on timeout.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from typing import Any


def kubectl_json(kubectl: str, kubeconfig: str, *args: str) -> dict[str, Any] | None:
    proc = subprocess.run(
        [kubectl, "--kubeconfig", kubeconfig, *args, "-o", "json"],
        capture_output=True, text=True, timeout=20, check=False,
    )
    if proc.returncode != 0:
        return None
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def step_weight(steps: list[dict[str, Any]], index: int | None) -> int:
    weight = 0
    for step in steps[: (index or 0) + 1]:
        if "setWeight" in step:
            weight = int(step["setWeight"])
    return weight


def describe(ro: dict[str, Any], rss: list[dict[str, Any]]) -> tuple[str, str]:
    spec, status = ro.get("spec", {}), ro.get("status", {})
    steps = (spec.get("strategy", {}).get("canary") or {}).get("steps") or []
    idx = status.get("currentStepIndex")
    step = f"{idx}/{len(steps)}" if idx is not None else "-"
    weight = ((status.get("canary") or {}).get("weights") or {}).get("canary", {}).get("weight")
    by_hash = {rs["metadata"].get("labels", {}).get("rollouts-pod-template-hash"): rs for rs in rss}

    def counts(pod_hash: str | None) -> str:
        rs = by_hash.get(pod_hash)
        if rs is None:
            return "-"
        return f"{rs.get('status', {}).get('readyReplicas', 0)}/{rs.get('spec', {}).get('replicas', 0)}"

    current, stable = status.get("currentPodHash"), status.get("stableRS")
    canary = counts(current) if current != stable else "-"
    if weight is None:
        # No traffic router: the weight in force is the last setWeight at or before the current step.
        weight = 100 if current == stable else step_weight(steps, idx)
    phase = status.get("phase", "")
    message = status.get("message", "")
    key = f"step={step} weight={weight} canary={canary} stable={counts(stable)} phase={phase}"
    return key, f"{key}{' (' + message + ')' if message else ''}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("name")
    parser.add_argument("--namespace", "-n", default="default")
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--kubectl", default="kubectl")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--until-healthy", action="store_true")
    parser.add_argument("--interval", type=float, default=0.5)
    args = parser.parse_args()

    deadline = time.monotonic() + args.timeout
    last = None
    while time.monotonic() < deadline:
        ro = kubectl_json(args.kubectl, args.kubeconfig, "-n", args.namespace, "get", "rollout", args.name)
        rs_list = kubectl_json(args.kubectl, args.kubeconfig, "-n", args.namespace, "get", "replicasets")
        if ro is not None:
            uid = ro["metadata"]["uid"]
            owned = [
                rs for rs in (rs_list or {}).get("items", [])
                if any(ref.get("uid") == uid for ref in rs["metadata"].get("ownerReferences", []))
            ]
            key, line = describe(ro, owned)
            if key != last:
                print(f"{time.strftime('%H:%M:%S')}  {line}", flush=True)
                last = key
            status = ro.get("status", {})
            observed = status.get("observedGeneration") == str(ro["metadata"].get("generation"))
            if args.until_healthy and observed and status.get("phase") == "Healthy" \
                    and status.get("stableRS") == status.get("currentPodHash"):
                return 0
            if status.get("phase") == "Degraded":
                return 1
        time.sleep(args.interval)
    print(f"timed out after {args.timeout:.0f}s", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
