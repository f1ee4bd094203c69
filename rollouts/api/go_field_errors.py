"""Kubernetes-style field errors, worded as apimachinery's ``field.Error`` prints them.

Upstream's Rollout validation returns ``field.ErrorList``; the controller copies the first one
into the InvalidSpec condition as ``The Rollout "<name>" is invalid: <error>``, where ``<error>``
is ``<path>: <type>[: <bad value>][: <detail>]``. Here a :class:`FieldError`'s ``message`` is
everything after the path, so ``str(error)`` is exactly upstream's ``Error()`` text.

Bad values are printed the way Go's ``field.Error`` does for the types our rules report:
strings quoted, numbers and booleans bare, nil as ``null``, ``map[string]string`` as Go's
``%#v``. Structured values (Go prints a struct literal we cannot reproduce faithfully) are
printed as compact JSON.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from rollouts.api.common import FieldError


class GoLiteral(str):
    """A bad value already rendered the way Go prints it (``map[string]string(nil)``)."""

    __slots__ = ()


def go_string_map(value: dict[str, str] | None) -> GoLiteral:
    """A ``map[string]string`` as ``%#v`` prints it (keys sorted; nil map spelt out)."""
    if value is None:
        return GoLiteral("map[string]string(nil)")
    items = ", ".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in sorted(value.items()))
    return GoLiteral(f"map[string]string{{{items}}}")


def go_value(value: Any) -> str:
    """A bad value as ``field.Error`` renders it."""
    if isinstance(value, GoLiteral):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return str(go_string_map(value))
    if isinstance(value, BaseModel):
        value = value.model_dump(by_alias=True, exclude_none=True, mode="json")
    if isinstance(value, list):
        value = [
            v.model_dump(by_alias=True, exclude_none=True, mode="json") if isinstance(v, BaseModel) else v
            for v in value
        ]
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def required(path: str, detail: str = "") -> FieldError:
    return FieldError(path, _with_detail("Required value", detail))


def invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError(path, _with_detail(f"Invalid value: {go_value(value)}", detail))


def forbidden(path: str, detail: str) -> FieldError:
    return FieldError(path, _with_detail("Forbidden", detail))


def internal(path: str, detail: str) -> FieldError:
    return FieldError(path, _with_detail("Internal error", detail))


def not_supported(path: str, value: Any, supported: list[str]) -> FieldError:
    options = ", ".join(json.dumps(s) for s in supported)
    return FieldError(path, f"Unsupported value: {go_value(value)}: supported values: {options}")


def _with_detail(body: str, detail: str) -> str:
    return f"{body}: {detail}" if detail else body
