"""The status of a Rollout whose spec (or referenced objects) is invalid.

Upstream's rule: only the ``InvalidSpec`` condition is set (message ``The Rollout "<name>" is
invalid: <path>: <message>`` for the first error) and the phase follows from it (Degraded,
``InvalidSpec: <message>``); nothing else of the status, and nothing in the cluster, changes.
Once the spec is valid again the condition is dropped before planning (:func:`without_invalid_spec`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from rollouts.api.common import FieldError
from rollouts.core import conditions as cond
from rollouts.core.phase import PhaseInputs, rollout_phase

#: How long before an invalid Rollout is looked at again without a change (the brief's 20 s).
INVALID_SPEC_RECHECK_SECONDS = 20.0


def invalid_spec_status(
    name: str, status: Mapping[str, Any], error: FieldError, now: datetime
) -> dict[str, Any]:
    new = copy.deepcopy(dict(status))
    conditions = [cond.condition_from_dict(c, now) for c in new.get("conditions") or []]
    message = cond.invalid_spec_message(name, str(error))
    current = cond.get_condition(conditions, cond.INVALID_SPEC)
    if current is not None and current.message != message:
        conditions = cond.remove_condition(conditions, cond.INVALID_SPEC)  # same reason, new text
    conditions, _ = cond.set_condition(
        conditions, cond.new_condition(cond.INVALID_SPEC, True, cond.INVALID_SPEC_REASON, message, now)
    )
    new["conditions"] = [cond.condition_to_dict(c) for c in conditions]
    phase, phase_message = rollout_phase(PhaseInputs(strategy="", spec_replicas=0, conditions=conditions))
    new["phase"], new["message"] = phase.value, phase_message
    return new


def without_invalid_spec(rollout: Mapping[str, Any]) -> dict[str, Any]:
    """The Rollout with its InvalidSpec condition removed (a shallow copy where it differs)."""
    status = rollout.get("status")
    if not isinstance(status, Mapping):
        return dict(rollout)
    conditions = status.get("conditions") or []
    kept = [c for c in conditions if not (isinstance(c, Mapping) and c.get("type") == cond.INVALID_SPEC)]
    if len(kept) == len(conditions):
        return dict(rollout)
    return {**rollout, "status": {**status, "conditions": kept}}
