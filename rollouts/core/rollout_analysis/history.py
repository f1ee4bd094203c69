"""Which of a Rollout's finished AnalysisRuns to delete (upstream's run history clean-up).

Only runs that are no longer current are considered. Newest first (by ``creationTimestamp``):

* a run without the ``rollouts-pod-template-hash`` label, or whose hash no ReplicaSet of the
  Rollout carries any more, or whose ReplicaSet is being deleted, is deleted;
* Successful runs beyond ``successfulRunHistoryLimit`` (default 5) are deleted;
* Failed, Error and Inconclusive runs beyond ``unsuccessfulRunHistoryLimit`` (default 5) are deleted;
* runs still Pending/Running (or without a phase) are never deleted here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rollouts.api.analysis import AnalysisPhase
from rollouts.core.pod_hash import POD_TEMPLATE_HASH_LABEL

_UNSUCCESSFUL = (AnalysisPhase.FAILED, AnalysisPhase.ERROR, AnalysisPhase.INCONCLUSIVE)


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def runs_to_delete(
    runs: Sequence[Mapping[str, Any]],
    replica_sets: Sequence[Mapping[str, Any]],
    successful_limit: int,
    unsuccessful_limit: int,
) -> list[str]:
    """Names of the ``runs`` (not current) to delete, newest first."""
    deleting_by_hash: dict[str, bool] = {}
    for rs in replica_sets:
        pod_hash = (_meta(rs).get("labels") or {}).get(POD_TEMPLATE_HASH_LABEL)
        if pod_hash is not None:
            deleting_by_hash[pod_hash] = bool(_meta(rs).get("deletionTimestamp"))
    newest_first = sorted(
        runs,
        key=lambda r: (str(_meta(r).get("creationTimestamp") or ""), str(_meta(r).get("name") or "")),
        reverse=True,
    )
    kept_successful = kept_unsuccessful = 0
    out: list[str] = []
    for run in newest_first:
        meta = _meta(run)
        if meta.get("deletionTimestamp"):
            continue  # already going
        name = str(meta.get("name") or "")
        pod_hash = (meta.get("labels") or {}).get(POD_TEMPLATE_HASH_LABEL)
        if pod_hash is None or deleting_by_hash.get(pod_hash, True):
            out.append(name)
            continue
        phase = (run.get("status") or {}).get("phase")
        if phase == AnalysisPhase.SUCCESSFUL:
            if kept_successful < successful_limit:
                kept_successful += 1
            else:
                out.append(name)
        elif phase in _UNSUCCESSFUL:
            if kept_unsuccessful < unsuccessful_limit:
                kept_unsuccessful += 1
            else:
                out.append(name)
    return out
