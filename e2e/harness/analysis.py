"""What the Rollout-analysis scenarios share: a metric server on 127.0.0.1, AnalysisTemplates
that read it (Web) or run a Job, and the real Prometheus of :mod:`tests.analysis.real_prometheus`
scraping an exporter served here.

The verdict server answers ``GET /<verdict>`` with ``{"score": <n>}``: ``good`` 1, ``bad`` 0,
anything else 0.5. The Web template ``verdict`` (args ``base`` and ``verdict``) succeeds on 1,
fails on 0 and is inconclusive in between, so one template drives every outcome. ``/metrics``
serves ``demo_success_ratio 0.99`` in the Prometheus text format.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from e2e.harness.diagnose import diagnosis
from e2e.harness.http_server import serve
from e2e.harness.kubectl import Kubectl
from e2e.harness.waiting import wait_for

SCORES = {"/good": 1.0, "/bad": 0.0}


class _Verdicts(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}

    def do_GET(self) -> None:
        type(self).hits[self.path] = type(self).hits.get(self.path, 0) + 1
        if self.path == "/metrics":
            body = b"# TYPE demo_success_ratio gauge\ndemo_success_ratio 0.99\n"
            content_type = "text/plain; version=0.0.4"
        else:
            body = json.dumps({"score": SCORES.get(self.path, 0.5)}).encode()
            content_type = "application/json"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        return


@contextmanager
def verdict_server() -> Iterator[str]:
    """Serve verdicts on a free loopback port; yields the base URL."""
    _Verdicts.hits = {}
    with serve(_Verdicts, "verdict-server") as base:
        yield base


def verdict_template(count: int = 1, interval: str = "1s") -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "verdict"},
        "spec": {
            "args": [{"name": "base"}, {"name": "verdict"}],
            "metrics": [
                {
                    "name": "score",
                    "count": count,
                    "interval": interval,
                    "successCondition": "result >= 1",
                    "failureCondition": "result <= 0",
                    "provider": {"web": {"url": "{{args.base}}/{{args.verdict}}", "jsonPath": "{$.score}"}},
                }
            ],
        },
    }


def verdict_analysis(base: str, verdict: str, template: str = "verdict") -> dict[str, Any]:
    """A Rollout ``analysis`` (step, background or blue-green) asking for ``verdict``."""
    return {
        "templates": [{"templateName": template}],
        "args": [{"name": "base", "value": base}, {"name": "verdict", "value": verdict}],
    }


def job_metric(*, fail: bool) -> dict[str, Any]:
    """A Job metric; the local cluster's kwok stages fail pods labelled ``rollouts.test/job-fail``."""
    labels = {"rollouts.test/job-fail": "true"} if fail else {}
    job = {
        "backoffLimit": 0,
        "template": {
            "metadata": {"labels": labels},
            "spec": {
                "restartPolicy": "Never",
                "containers": [{"name": "check", "image": "busybox:1.36", "command": ["true"]}],
            },
        },
    }
    return {"name": "job", "provider": {"job": {"spec": job}}}


def job_template(name: str, *, fail: bool) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": name},
        "spec": {"metrics": [job_metric(fail=fail)]},
    }


def wait_for_run_phase(
    kubectl: Kubectl, name: str, phases: Iterable[str], *, timeout: float, owner: str, log: Path
) -> dict[str, Any]:
    """Wait until AnalysisRun ``name`` is in one of ``phases``; the run. ``owner`` (``rollout/x``)
    and the controller's ``log`` go into the diagnosis on timeout."""
    wanted = set(phases)

    def reached() -> dict[str, Any] | None:
        run = kubectl.get_or_none("analysisrun", name) or {}
        return run if (run.get("status") or {}).get("phase") in wanted else None

    found: dict[str, Any] = wait_for(
        reached,
        timeout=timeout,
        describe=f"analysisrun {name} {sorted(wanted)}",
        diagnose=diagnosis(kubectl, [owner, f"analysisrun/{name}"], log),
    )
    return found


def prometheus_template(address: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "success-ratio"},
        "spec": {
            "metrics": [
                {
                    "name": "success-ratio",
                    "successCondition": "result[0] >= 0.95",
                    "provider": {"prometheus": {"address": address, "query": "demo_success_ratio"}},
                }
            ]
        },
    }
