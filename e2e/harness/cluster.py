"""Finding the control plane the e2e tests run against, or starting one.

Order of preference (the first that answers ``/readyz`` wins):

1. ``$ROLLOUTS_E2E_KUBECONFIG`` — an explicit choice; if it is not healthy that is an error, not a
   reason to start something else behind the user's back;
2. ``$KUBECONFIG``, if it is healthy;
3. ``hack/cluster.sh up`` (idempotent: reuses a running local cluster, builds binaries if needed),
   whose last stdout line is the kubeconfig path.

kubectl is the one ``hack/build-cluster.sh`` built (same version as the server), falling back to
a ``kubectl`` on PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from e2e.harness.kubectl import Kubectl, KubectlError

REPO = Path(__file__).resolve().parents[2]
CLUSTER_SCRIPT = REPO / "hack" / "cluster.sh"
BUILD_SCRIPT = REPO / "hack" / "build-cluster.sh"

# A cold `up` may build every binary first (about 10 minutes on 2 cores, see hack/build-cluster.sh).
UP_TIMEOUT = 45 * 60.0
HEALTH_TIMEOUT = 10.0


class ClusterError(RuntimeError):
    """No usable control plane."""


@dataclass(frozen=True)
class Cluster:
    kubeconfig: Path
    kubectl: Kubectl
    started_here: bool  # True when this process ran `hack/cluster.sh up`

    def healthy(self) -> bool:
        return healthy(self.kubectl)


def cached_kubectl() -> Path:
    """kubectl from the build cache if built, else the one on PATH."""
    try:
        done = subprocess.run(
            ["bash", str(BUILD_SCRIPT), "path"], capture_output=True, text=True, timeout=30, check=True
        )
        candidate = Path(done.stdout.strip().splitlines()[-1]) / "kubectl"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    except (subprocess.SubprocessError, IndexError, OSError):
        pass
    on_path = shutil.which("kubectl")
    if on_path is None:
        raise ClusterError("no kubectl: run `bash hack/cluster.sh build` (or put kubectl on PATH)")
    return Path(on_path)


def healthy(kubectl: Kubectl) -> bool:
    """The API server answers ``/readyz`` with ``ok``."""
    try:
        return kubectl("get", "--raw", "/readyz", timeout=HEALTH_TIMEOUT).strip() == "ok"
    except KubectlError:
        return False


def start_local() -> Path:
    """``hack/cluster.sh up``; its stderr (progress, failures with log tails) is passed through."""
    try:
        done = subprocess.run(
            ["bash", str(CLUSTER_SCRIPT), "up"],
            stdout=subprocess.PIPE,
            text=True,
            timeout=UP_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ClusterError(f"`hack/cluster.sh up` did not finish in {UP_TIMEOUT:g}s") from exc
    if done.returncode != 0:
        raise ClusterError(f"`hack/cluster.sh up` failed (exit {done.returncode}); see its output above")
    lines = done.stdout.strip().splitlines()
    if not lines:
        raise ClusterError("`hack/cluster.sh up` printed no kubeconfig path")
    return Path(lines[-1])


def connect(environ: dict[str, str] | None = None) -> Cluster:
    """A healthy cluster, following the order in the module docstring."""
    env = os.environ if environ is None else environ
    binary = cached_kubectl()
    explicit = env.get("ROLLOUTS_E2E_KUBECONFIG")
    if explicit:
        kubectl = Kubectl(binary, Path(explicit))
        if not healthy(kubectl):
            raise ClusterError(f"ROLLOUTS_E2E_KUBECONFIG={explicit}: the API server is not ready")
        return Cluster(Path(explicit), kubectl, started_here=False)
    ambient = env.get("KUBECONFIG")
    if ambient and ":" not in ambient and Path(ambient).is_file():
        kubectl = Kubectl(binary, Path(ambient))
        if healthy(kubectl):
            return Cluster(Path(ambient), kubectl, started_here=False)
    kubeconfig = start_local()
    kubectl = Kubectl(cached_kubectl(), kubeconfig)  # `up` may just have built it
    if not healthy(kubectl):
        raise ClusterError(f"`hack/cluster.sh up` returned but {kubeconfig} is not ready")
    return Cluster(kubeconfig, kubectl, started_here=True)
