"""Each mutating command's work: read what it needs, send upstream's patch, return the message.

Every function takes a :class:`~rollouts.cli.session.Client` and the namespace, and returns the
line(s) to print; errors propagate (the session turns them into one line). The Rollout actions
the dashboard also offers come in two layers: ``send_*`` sends the patch and returns the
Rollout as written (the dashboard's API answers with it), the command wraps it in its message.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from rollouts.cli.history import owned_by, replica_set_for_revision, template_matches, template_without_hash
from rollouts.cli.patches import (
    ABORT,
    PAUSE,
    RETRY_EXPERIMENT,
    RETRY_ROLLOUT,
    TERMINATE,
    promote_patches,
    restart_patch,
    with_image,
)
from rollouts.cli.session import Client, CliError

#: upstream retries ``set image`` this many times when the update conflicts
SET_IMAGE_ATTEMPTS = 5


def _res() -> Any:
    from rollouts.k8s import resources  # lazy: importing rollouts.k8s loads the HTTP client

    return resources


def _is_not_found(err: Exception) -> bool:
    from rollouts.k8s.errors import is_not_found

    return is_not_found(err)


async def _patch_status_first(
    client: Client, name: str, namespace: str, patch: dict[str, Any]
) -> dict[str, Any]:
    """A status patch on the subresource; on 404 (no status subresource) on the object itself."""
    rollouts = _res().ROLLOUTS
    try:
        return await client.patch(rollouts, name, patch, namespace, subresource="status")
    except Exception as err:
        if not _is_not_found(err):
            raise
    return await client.patch(rollouts, name, patch, namespace)


def _name(obj: dict[str, Any], fallback: str) -> str:
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) and name else fallback


async def send_promote(
    client: Client,
    namespace: str,
    name: str,
    *,
    full: bool = False,
    skip_current: bool = False,
    skip_all: bool = False,
) -> dict[str, Any]:
    """Send ``promote``'s patches; the Rollout as the last write returned it (the dashboard's
    answer). Raises :class:`CliError` for a combination upstream refuses."""
    from rollouts.cli.patches import PromoteUsageError, skip_step_patches

    if skip_current and skip_all:
        raise CliError("Cannot use skip-current-step and skip-all-steps flags at the same time")
    rollouts = _res().ROLLOUTS
    rollout = await client.get(rollouts, name, namespace)
    try:
        if skip_current or skip_all:
            patches = skip_step_patches(rollout, skip_all=skip_all)
        else:
            patches = promote_patches(rollout, full=full)
    except PromoteUsageError as err:
        raise CliError(str(err)) from None
    spec_patch = patches.spec
    if patches.status is not None:
        try:
            rollout = await client.patch(rollouts, name, patches.status, namespace, subresource="status")
        except Exception as err:
            if not _is_not_found(err):
                raise
            spec_patch = patches.unified
    if spec_patch is not None:
        rollout = await client.patch(rollouts, name, spec_patch, namespace)
    return rollout


async def promote(
    client: Client,
    namespace: str,
    name: str,
    *,
    full: bool = False,
    skip_current: bool = False,
    skip_all: bool = False,
) -> str:
    rollout = await send_promote(
        client, namespace, name, full=full, skip_current=skip_current, skip_all=skip_all
    )
    verb = "fully promoted" if full else "promoted"
    return f"rollout '{_name(rollout, name)}' {verb}"


async def send_abort(client: Client, namespace: str, name: str) -> dict[str, Any]:
    return await _patch_status_first(client, name, namespace, ABORT)


async def abort(client: Client, namespace: str, name: str) -> str:
    rollout = await send_abort(client, namespace, name)
    return f"rollout '{_name(rollout, name)}' aborted"


async def send_retry(client: Client, namespace: str, name: str) -> dict[str, Any]:
    return await _patch_status_first(client, name, namespace, RETRY_ROLLOUT)


async def retry_rollout(client: Client, namespace: str, name: str) -> str:
    rollout = await send_retry(client, namespace, name)
    return f"rollout '{_name(rollout, name)}' retried"


async def retry_experiment(client: Client, namespace: str, name: str) -> str:
    experiment = await client.patch(_res().EXPERIMENTS, name, RETRY_EXPERIMENT, namespace)
    return f"experiment '{_name(experiment, name)}' retried"


async def pause(client: Client, namespace: str, name: str) -> str:
    rollout = await client.patch(_res().ROLLOUTS, name, PAUSE, namespace)
    return f"rollout '{_name(rollout, name)}' paused"


async def send_restart(client: Client, namespace: str, name: str, *, at: datetime) -> dict[str, Any]:
    return await client.patch(_res().ROLLOUTS, name, restart_patch(at), namespace)


async def restart(
    client: Client, namespace: str, name: str, *, now: datetime, delay: timedelta, delay_text: str
) -> str:
    rollout = await send_restart(client, namespace, name, at=now + delay)
    return f"rollout '{_name(rollout, name)}' restarts in {delay_text}"


async def terminate_analysis_run(client: Client, namespace: str, name: str) -> str:
    run = await client.patch(_res().ANALYSIS_RUNS, name, TERMINATE, namespace)
    return f"analysisRun '{_name(run, name)}' terminated"


async def terminate_experiment(client: Client, namespace: str, name: str) -> str:
    experiment = await client.patch(_res().EXPERIMENTS, name, TERMINATE, namespace)
    return f"experiment '{_name(experiment, name)}' terminated"


async def set_image(client: Client, namespace: str, name: str, container: str, image: str) -> str:
    """Update the image in the Rollout's template, or in the Deployment its workloadRef names.

    A whole-object update (not a patch), retried on a conflict, as upstream does.
    """
    from rollouts.k8s.errors import is_conflict

    res = _res()
    for attempt in range(SET_IMAGE_ATTEMPTS):
        rollout = await client.get(res.ROLLOUTS, name, namespace)
        target_res, target = res.ROLLOUTS, rollout
        ref = (rollout.get("spec") or {}).get("workloadRef")
        if isinstance(ref, dict):
            ref_name = ref.get("name")
            if not isinstance(ref_name, str):
                raise CliError(f"spec.workloadRef.name is not a string: {ref_name!r}")
            target_res = res.DEPLOYMENTS
            target = await client.get(target_res, ref_name, namespace)
        try:
            updated_obj = with_image(target, container, image)
        except ValueError as err:
            raise CliError(str(err)) from None
        try:
            updated = await client.replace(target_res, updated_obj)
        except Exception as err:
            if is_conflict(err) and attempt + 1 < SET_IMAGE_ATTEMPTS:
                continue
            raise
        kind = str(updated.get("kind") or target_res.kind).lower()
        return f'{kind} "{_name(updated, name)}" image updated'
    raise AssertionError("unreachable: the last attempt returns or raises")


#: workloadRef kinds ``undo`` can patch, by kind
def _workload_resources() -> dict[str, Any]:
    from rollouts.k8s.resources import Resource

    res = _res()
    return {
        "Deployment": res.DEPLOYMENTS,
        "ReplicaSet": res.REPLICASETS,
        "PodTemplate": Resource("", "v1", "podtemplates", "PodTemplate"),
    }


async def undo(client: Client, namespace: str, name: str, *, to_revision: int = 0) -> str:
    res = _res()
    rollout = await client.get(res.ROLLOUTS, name, namespace)
    spec = rollout.get("spec") or {}
    uid = str((rollout.get("metadata") or {}).get("uid") or "")
    selector = _selector_string(spec.get("selector"))
    listed = await client.list(res.REPLICASETS, namespace, label_selector=selector)
    owned = [rs for rs in listed.get("items") or [] if isinstance(rs, dict) and owned_by(rs, uid)]
    try:
        target = replica_set_for_revision(owned, to_revision, name)
    except ValueError as err:
        raise CliError(str(err)) from None
    if template_matches(rollout, target):
        return f"skipped rollback (current template already matches revision {to_revision})"
    template = template_without_hash((target.get("spec") or {}).get("template"))
    patch = [{"op": "replace", "path": "/spec/template", "value": template}]
    ref = spec.get("workloadRef")
    try:
        if isinstance(ref, dict):
            kind = ref.get("kind")
            workload = _workload_resources().get(str(kind))
            if workload is None:
                raise CliError(f"workload of type {kind} is not supported")
            await client.patch(workload, str(ref.get("name") or ""), patch, namespace, patch_type="json")
        else:
            await client.patch(res.ROLLOUTS, name, patch, namespace, patch_type="json")
    except CliError:
        raise
    except Exception as err:
        from rollouts.cli.session import describe_error

        detail = describe_error(err)
        if detail is None:
            raise
        raise CliError(f"failed restoring revision {to_revision}: {detail}") from err
    return f"rollout '{_name(rollout, name)}' undo"


def _selector_string(selector: Any) -> str | None:
    """A LabelSelector as the ``labelSelector`` query parameter."""
    if not isinstance(selector, dict):
        return None
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for req in selector.get("matchExpressions") or []:
        key, op, values = req.get("key"), req.get("operator"), ",".join(sorted(req.get("values") or []))
        if op == "In":
            parts.append(f"{key} in ({values})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({values})")
        elif op == "Exists":
            parts.append(str(key))
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts) or None


async def create_analysis_run(
    client: Client,
    namespace: str,
    *,
    template: dict[str, Any] | None,
    template_name: str | None,
    cluster_scoped: bool,
    arguments: list[dict[str, str]],
    name: str | None,
    generate_name: str | None,
    instance_id: str | None,
) -> str:
    """From ``template`` (read from a file) or the named template in the cluster."""
    from rollouts.cli.create import analysis_run_from_template

    res = _res()
    if template is None:
        if cluster_scoped:
            template = await client.get(res.CLUSTER_ANALYSIS_TEMPLATES, str(template_name))
        else:
            template = await client.get(res.ANALYSIS_TEMPLATES, str(template_name), namespace)
    try:
        run = analysis_run_from_template(
            template,
            arguments,
            namespace=namespace,
            name=name,
            generate_name=generate_name,
            instance_id=instance_id,
        )
    except ValueError as err:
        raise CliError(str(err)) from None
    created = await client.create(res.ANALYSIS_RUNS, run, namespace)
    return f"analysisrun.argoproj.io/{_name(created, '')} created"
