"""The values a Rollout hands its AnalysisRuns as arguments (``RolloutAnalysis.args``).

Upstream's rules, re-expressed:

* ``value``: taken as written.
* ``valueFrom.podTemplateHashValue``: ``Latest`` is the new ReplicaSet's pod-template hash,
  ``Stable`` the stable one's ("" when there is none yet).
* ``valueFrom.fieldRef`` under ``metadata``: the Kubernetes downward-API paths
  (``metadata.name``, ``.namespace``, ``.uid``, ``.labels['k']``, ``.annotations['k']``, and
  the whole ``labels``/``annotations`` maps as ``k="v"`` lines, sorted). An unsupported path is
  an error.
* Any other ``fieldRef`` path walks the Rollout's JSON, split on ``.``, ``[`` and ``]``; it must
  end in a primitive, printed as Go's ``%v`` prints a JSON value (numbers are float64 there, so
  ``1000000`` reads ``1e+06``). A bad path gives ``""`` for the arg and an error, as upstream.

Every arg becomes ``{"name", "value"}``: the run never sees the Rollout-only ``valueFrom`` forms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from rollouts.api.steps import AnalysisRunArgument


class ArgumentValueError(ValueError):
    """An argument's value cannot be taken from the Rollout."""


_DOWNWARD_KEYED = re.compile(r"^metadata\.(labels|annotations)\['(.*)'\]$")
_SPLIT = re.compile(r"[.\[\]]+")


def _format_map(values: Mapping[str, Any]) -> str:
    return "\n".join(f'{k}="{values[k]}"' for k in sorted(values))


def _downward_api(rollout: Mapping[str, Any], path: str) -> str:
    meta = rollout.get("metadata") or {}
    keyed = _DOWNWARD_KEYED.match(path)
    if keyed is not None:
        return str((meta.get(keyed.group(1)) or {}).get(keyed.group(2), ""))
    if path in ("metadata.labels", "metadata.annotations"):
        return _format_map(meta.get(path.split(".")[1]) or {})
    if path in ("metadata.name", "metadata.namespace", "metadata.uid"):
        return str(meta.get(path.split(".")[1]) or "")
    raise ArgumentValueError(f"unsupported fieldPath: {path}")


def go_value(value: Any) -> str:
    """A decoded JSON primitive as Go's ``fmt`` ``%v`` prints it after ``json.Unmarshal``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _go_float(float(value))
    return str(value)


def _go_float(number: float) -> str:
    """``strconv.FormatFloat(x, 'g', -1, 64)``: shortest digits, exponent form from 1e+06 / below 1e-04."""
    if number != number or number in (float("inf"), float("-inf")):
        return {"nan": "NaN", "inf": "+Inf", "-inf": "-Inf"}[repr(number)]
    if number == 0:
        return "0"
    sign, digits, exponent = Decimal(repr(number)).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    exp10 = len(text) + exponent - 1
    prefix = "-" if sign else ""
    if exp10 < -4 or exp10 >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"
    if exp10 < 0:
        return f"{prefix}0.{'0' * (-exp10 - 1)}{text}"
    whole = text[: exp10 + 1].ljust(exp10 + 1, "0")
    fraction = text[exp10 + 1 :]
    return f"{prefix}{whole}{'.' + fraction if fraction else ''}"


def _walk(rollout: Mapping[str, Any], path: str) -> str:
    node: Any = rollout
    for section in _SPLIT.split(path):
        if section == "":
            continue
        if isinstance(node, list):
            if not section.isdigit():
                raise ArgumentValueError(f"invalid index '{section}'")
            index = int(section)
            if index >= len(node):
                raise ArgumentValueError(f"index {index} out of range")
            node = node[index]
        elif isinstance(node, Mapping):
            node = node.get(section)
        else:
            raise ArgumentValueError(f"invalid path {path} in rollout")
    if node is None:
        raise ArgumentValueError(f"invalid path {path} in rollout")
    if isinstance(node, list | Mapping):
        raise ArgumentValueError(f"path {path} in rollout must terminate in a primitive value")
    return go_value(node)


def rollout_run_args(
    args: Sequence[AnalysisRunArgument],
    rollout: Mapping[str, Any],
    *,
    new_hash: str,
    stable_hash: str,
) -> list[dict[str, Any]]:
    """``[{"name", "value"}]`` for the run; raises :class:`ArgumentValueError` (after looking at every
    arg, as upstream reports the last fieldRef problem)."""
    out: list[dict[str, Any]] = []
    problem: ArgumentValueError | None = None
    for arg in args:
        value = arg.value or ""
        source = arg.value_from
        if source is not None and source.pod_template_hash_value is not None:
            value = {"Latest": new_hash, "Stable": stable_hash}.get(source.pod_template_hash_value, "")
        elif source is not None and source.field_ref is not None:
            path = source.field_ref.field_path or ""
            if path.startswith("metadata"):
                value = _downward_api(rollout, path)
            else:
                try:
                    value = _walk(rollout, path)
                except ArgumentValueError as err:
                    value, problem = "", err
        out.append({"name": arg.name or "", "value": value})
    if problem is not None:
        raise problem
    return out
