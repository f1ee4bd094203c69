"""Benchmark: realistic ReplicaSet watch events through decode -> reflector -> informer -> store.

A report, not a test. It prints:

* events/s for a recorded stream (one JSON line per event, as the API server sends it), replayed
  through the real :class:`~rollouts.informers.reflector.Reflector` and
  :class:`~rollouts.informers.shared.SharedInformer` (decode, trim, transform, index, notify a
  no-op handler) on one core;
* memory per 1,000 cached ReplicaSets beyond the baseline, measured two ways: tracemalloc (the
  Python heap the cache holds) and VmRSS from /proc/self/status after gc.

Each configuration is run in a fresh subprocess so that one run's heap does not pollute another's.
The ReplicaSets are generated to look like production ones: three containers (app, proxy sidecar,
log shipper) with env, probes, resources and mounts, an init container, volumes, affinity,
tolerations and the managedFields the API server adds; ~250 Rollouts with 4 revisions each.

With ``--kubeconfig PATH`` it also measures against a real API server (the local control plane):
it creates the ReplicaSets (``replicas: 0``) in a scratch namespace while a ReplicaSet informer
watches, and reports how fast their ADDED events arrive and how long a fresh informer takes to
list and cache them all; the namespace is deleted afterwards.

Usage: ``uv run python hack/bench_informer.py [--replicasets 1000] [--events 20000] [--kubeconfig P]``
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import subprocess
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson

from rollouts.clock import FakeClock
from rollouts.informers.dedup import SubtreeSharer
from rollouts.informers.handlers import FuncHandler
from rollouts.informers.shared import SharedInformer
from rollouts.informers.trim import Transform, intern_strings

Obj = dict[str, Any]

TEAMS = ["payments", "checkout", "search", "catalog", "identity", "notifications", "ledger", "pricing"]


def container(name: str, image: str, port: int, env_count: int) -> Obj:
    rng = random.Random(name)  # a container's settings are stable across revisions
    env: list[Obj] = [
        {"name": f"{name.upper()}_SETTING_{i}", "value": f"value-{rng.randrange(10**6)}"}
        for i in range(env_count)
    ]
    env.append(
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}
    )
    env.append(
        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": f"{name}-db", "key": "password"}}}
    )
    probe = {
        "httpGet": {"path": "/healthz", "port": port, "scheme": "HTTP"},
        "initialDelaySeconds": 5,
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "args": ["--port", str(port), "--log-format=json", "--config=/etc/app/config.yaml"],
        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
        "env": env,
        "resources": {
            "limits": {"cpu": "1", "memory": "512Mi"},
            "requests": {"cpu": "250m", "memory": "256Mi"},
        },
        "volumeMounts": [
            {"name": "config", "mountPath": "/etc/app", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
        "livenessProbe": probe,
        "readinessProbe": {**probe, "httpGet": {**probe["httpGet"], "path": "/ready"}},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
        },
    }


def replicaset(app: str, team: str, revision: int, rv: int, rng: random.Random) -> Obj:
    pod_hash = f"{rng.randrange(16**10):010x}"
    image = f"registry.example.com/{team}/{app}:v1.{revision}.{rng.randrange(100)}"
    labels = {"app": app, "team": team, "rollouts-pod-template-hash": pod_hash}
    name = f"{app}-{pod_hash}"
    return {
        "kind": "ReplicaSet",
        "apiVersion": "apps/v1",
        "metadata": {
            "name": name,
            "namespace": team,
            "uid": f"{rng.getrandbits(128):032x}",
            "resourceVersion": str(rv),
            "generation": 1,
            "creationTimestamp": "2026-11-20T10:00:00Z",
            "labels": labels,
            "annotations": {
                "rollout.argoproj.io/desired-replicas": "5",
                "rollout.argoproj.io/revision": str(revision),
            },
            "ownerReferences": [
                {
                    "apiVersion": "argoproj.io/v1alpha1",
                    "kind": "Rollout",
                    "name": app,
                    "uid": f"{hash(app) & (2**64 - 1):032x}",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
            "managedFields": [
                {
                    "manager": "rollouts-controller",
                    "operation": "Update",
                    "apiVersion": "apps/v1",
                    "time": "2026-11-20T10:00:00Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {
                        "f:metadata": {"f:labels": {f"f:{k}": {} for k in labels}, "f:ownerReferences": {}},
                        "f:spec": {
                            "f:replicas": {},
                            "f:selector": {},
                            "f:template": {"f:spec": {"f:containers": {}}},
                        },
                    },
                },
                {
                    "manager": "kube-controller-manager",
                    "operation": "Update",
                    "apiVersion": "apps/v1",
                    "time": "2026-11-20T10:01:00Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {
                        "f:status": {"f:availableReplicas": {}, "f:readyReplicas": {}, "f:replicas": {}}
                    },
                    "subresource": "status",
                },
            ],
        },
        "spec": {
            "replicas": 5,
            "minReadySeconds": 10,
            "selector": {"matchLabels": {"app": app, "rollouts-pod-template-hash": pod_hash}},
            "template": {
                "metadata": {"labels": labels, "annotations": {"prometheus.io/scrape": "true"}},
                "spec": {
                    "initContainers": [
                        {
                            "name": "migrate",
                            "image": image,
                            "command": ["/app/migrate", "up"],
                            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                        }
                    ],
                    "containers": [
                        container(app, image, 8080, env_count=12),
                        container("envoy", "registry.example.com/platform/envoy:v1.31.2", 15001, 4),
                        container("fluent-bit", "registry.example.com/platform/fluent-bit:3.1", 2020, 3),
                    ],
                    "volumes": [
                        {"name": "config", "configMap": {"name": f"{app}-config", "defaultMode": 420}},
                        {"name": "tmp", "emptyDir": {}},
                        {"name": "certs", "secret": {"secretName": f"{app}-tls", "defaultMode": 420}},
                    ],
                    "restartPolicy": "Always",
                    "terminationGracePeriodSeconds": 30,
                    "dnsPolicy": "ClusterFirst",
                    "serviceAccountName": app,
                    "securityContext": {"fsGroup": 2000},
                    "schedulerName": "default-scheduler",
                    "affinity": {
                        "podAntiAffinity": {
                            "preferredDuringSchedulingIgnoredDuringExecution": [
                                {
                                    "weight": 100,
                                    "podAffinityTerm": {
                                        "labelSelector": {"matchLabels": {"app": app}},
                                        "topologyKey": "kubernetes.io/hostname",
                                    },
                                }
                            ]
                        }
                    },
                    "tolerations": [
                        {"key": "dedicated", "operator": "Equal", "value": team, "effect": "NoSchedule"}
                    ],
                },
            },
        },
        "status": {
            "replicas": 5,
            "fullyLabeledReplicas": 5,
            "readyReplicas": 5,
            "availableReplicas": 5,
            "observedGeneration": 1,
        },
    }


def record_stream(replicasets: int, events: int, seed: int = 1) -> tuple[list[bytes], int]:
    """The watch stream as the server would send it: ADDED for every ReplicaSet, then MODIFIED
    status/scale changes on random ones. Returns the lines and the mean object size in bytes."""
    rng = random.Random(seed)
    rv = 1000
    objs: list[Obj] = []
    for i in range(replicasets):
        team = TEAMS[(i // 4) % len(TEAMS)]  # 4 consecutive ReplicaSets: revisions of one Rollout
        app = f"{team}-svc-{i // 4}"
        rv += 1
        objs.append(replicaset(app, team, revision=i % 4 + 1, rv=rv, rng=rng))
    lines = [json.dumps({"type": "ADDED", "object": o}, separators=(",", ":")).encode() for o in objs]
    size = sum(len(line) for line in lines) // len(lines)
    for _ in range(max(0, events - replicasets)):
        o = rng.choice(objs)
        rv += 1
        o["metadata"]["resourceVersion"] = str(rv)
        ready = rng.randrange(6)
        o["status"] = {**o["status"], "readyReplicas": ready, "availableReplicas": ready}
        lines.append(json.dumps({"type": "MODIFIED", "object": o}, separators=(",", ":")).encode())
    return lines, size


class ReplaySource:
    """Lists nothing, then replays the recorded lines once (decoding each, as the client does)."""

    def __init__(self, lines: list[bytes]) -> None:
        self.lines = lines
        self.done = asyncio.Event()

    async def list(
        self, *, resource_version: str | None, limit: int | None, continue_token: str | None
    ) -> Obj:
        return {"metadata": {"resourceVersion": "1000"}, "items": []}

    async def watch(self, *, resource_version: str, timeout_seconds: int) -> AsyncIterator[Obj]:
        if self.done.is_set():
            await asyncio.Event().wait()  # after the replay: an idle watch
        for line in self.lines:
            yield orjson.loads(line)  # as the client decodes
        self.done.set()


def vm_rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def make_transform(name: str) -> Transform | None:
    return {"trim": None, "intern": intern_strings, "share": SubtreeSharer()}[name]


async def run_once(lines: list[bytes], mode: str) -> dict[str, float]:
    source = ReplaySource(lines)
    informer = SharedInformer(source, FakeClock(), name="bench", transform=make_transform(mode))
    handled = 0

    def count(*_: object) -> None:
        nonlocal handled
        handled += 1

    informer.add_event_handler(FuncHandler(add=count, update=count, delete=count))
    gc.collect()
    rss_before = vm_rss_kib()
    tracemalloc.start()
    heap_before = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()  # measured separately: tracing slows the replay several-fold
    t0 = time.perf_counter()
    async with asyncio.TaskGroup() as tg:
        task = tg.create_task(informer.run())
        await source.done.wait()
        elapsed = time.perf_counter() - t0
        task.cancel()
    gc.collect()
    rss_after = vm_rss_kib()
    cached = len(informer.store)
    # Heap held by the cache: re-run the ADDED part under tracemalloc into a fresh store.
    tracemalloc.start()
    heap_before = tracemalloc.get_traced_memory()[0]
    probe = SharedInformer(ReplaySource([]), FakeClock(), transform=make_transform(mode))
    probe.replace([orjson.loads(line)["object"] for line in lines[:cached]], "1")
    gc.collect()
    heap_after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return {
        "events": len(lines),
        "handled": handled,
        "seconds": elapsed,
        "events_per_s": len(lines) / elapsed,
        "cached": cached,
        "rss_kib_per_1000": (rss_after - rss_before) * 1000 / cached,
        "heap_kib_per_1000": (heap_after - heap_before) / 1024 * 1000 / cached,
    }


def child(args: argparse.Namespace) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    lines, size = record_stream(args.replicasets, args.events)
    result = asyncio.run(run_once(lines, args.mode))
    result["object_json_bytes"] = size
    print(json.dumps(result))


async def against_cluster(kubeconfig: str, replicasets: int) -> None:
    from rollouts.clock import SystemClock
    from rollouts.informers import SharedInformerFactory
    from rollouts.k8s import KubeClient
    from rollouts.k8s.resources import NAMESPACES, REPLICASETS

    namespace = f"bench-informer-{os.getpid()}"
    rng = random.Random(2)
    async with await KubeClient.connect(kubeconfig, qps=500, burst=500) as client:
        await client.create(NAMESPACES, {"metadata": {"name": namespace}})
        try:
            factory = SharedInformerFactory(client, SystemClock(), namespace=namespace)
            seen = asyncio.Event()
            informer = factory.replicasets()

            def on_add(_: Obj) -> None:
                if len(informer.store) >= replicasets:
                    seen.set()

            informer.add_event_handler(FuncHandler(add=on_add))
            async with factory.running():
                await factory.wait_for_sync(30)
                t0 = time.perf_counter()
                sem = asyncio.Semaphore(16)

                async def create(i: int) -> None:
                    team = TEAMS[(i // 4) % len(TEAMS)]
                    rs = replicaset(f"{team}-svc-{i // 4}", team, i % 4 + 1, 0, rng)
                    rs["metadata"] = {
                        k: v
                        for k, v in rs["metadata"].items()
                        if k
                        not in (
                            "resourceVersion",
                            "uid",
                            "managedFields",
                            "ownerReferences",
                            "creationTimestamp",
                        )
                    }
                    rs["metadata"]["namespace"] = namespace
                    rs["spec"]["replicas"] = 0
                    rs.pop("status")
                    async with sem:
                        await client.create(REPLICASETS, rs, namespace)

                async with asyncio.TaskGroup() as tg:
                    for i in range(replicasets):
                        tg.create_task(create(i))
                created = time.perf_counter() - t0
                async with asyncio.timeout(120):
                    await seen.wait()
                watched = time.perf_counter() - t0
            fresh = SharedInformerFactory(client, SystemClock(), namespace=namespace)
            t1 = time.perf_counter()
            async with fresh.running():
                fresh.replicasets()
                await asyncio.sleep(0)
                await fresh.wait_for_sync(120)
            listed = time.perf_counter() - t1
            print(
                f"cluster: {replicasets} ReplicaSets created in {created:.1f} s "
                f"({replicasets / created:.0f}/s); "
                f"all ADDED events cached {watched:.1f} s after the first create; "
                f"a fresh informer listed and cached them in {listed:.2f} s "
                f"({replicasets / listed:.0f} objects/s)"
            )
        finally:
            await client.delete(NAMESPACES, namespace)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--replicasets", type=int, default=1000)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--mode", default="trim", help=argparse.SUPPRESS)
    parser.add_argument("--kubeconfig", help="also measure against this cluster")
    parser.add_argument("--skip-replay", action="store_true", help="only the cluster measurement")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.kubeconfig:
        asyncio.run(against_cluster(args.kubeconfig, args.replicasets))
    if args.skip_replay:
        return
    print(f"{args.replicasets} ReplicaSets, {args.events} recorded watch events, one core")
    modes = [("trim only", "trim"), ("trim + intern_strings", "intern"), ("trim + SubtreeSharer", "share")]
    for label, mode in modes:
        cmd = [
            sys.executable,
            __file__,
            "--child",
            "--replicasets",
            str(args.replicasets),
            "--events",
            str(args.events),
            "--mode",
            mode,
        ]
        r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        print(
            f"{label:24s} {r['events_per_s']:9.0f} events/s   "
            f"cache heap {r['heap_kib_per_1000'] / 1000:6.2f} KiB/RS (tracemalloc)   "
            f"RSS {r['rss_kib_per_1000'] / 1000:6.2f} KiB/RS   "
            f"(JSON per RS as received: {r['object_json_bytes'] / 1024:.1f} KiB, "
            f"handler calls {r['handled']})"
        )


if __name__ == "__main__":
    main()
