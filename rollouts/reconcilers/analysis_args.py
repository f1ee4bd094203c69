"""An AnalysisRun's arguments: their values, and their substitution into the metrics.

Upstream's rules, re-expressed:

* ``{{args.<name>}}`` (spaces inside the braces allowed) anywhere in a metric is replaced by the
  argument's value. The substitution happens on the metric's JSON text with the value escaped as
  the inside of a JSON string, so a value holding quotes or newlines cannot break the document.
* Any other ``{{…}}`` tag is an error (``failed to resolve {{<tag>}}``); so is an argument that
  is referenced or listed without a value (``argument "<name>" was not supplied``).
* ``valueFrom.secretKeyRef`` reads one key of a Secret in the run's namespace. Secret values
  are collected in :attr:`ResolvedArgs.secrets` so that whatever might echo them (a measurement
  message, a log line) can be redacted with :func:`redact`.
* Before a secret is read (to validate and to schedule), secret-backed arguments resolve to a
  fixed placeholder, so no secret is fetched for a run that takes no measurement now.

``valueFrom.fieldRef`` arguments are resolved by the Rollout reconciler when it creates the run;
a run still holding one has no value for it here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from rollouts.analysis.secrets import SecretUnavailable, decode_secret_data
from rollouts.api.analysis import Argument, Metric
from rollouts.api.common import ManifestError

#: The value a secret-backed argument takes before the Secret is read.
SECRET_PLACEHOLDER = "temp-for-secret"

_TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)

#: ``await read(namespace, name)``: the Secret as the API returns it (base64 ``data``).
SecretReader = Callable[[str, str], Awaitable[dict[str, Any]]]


class ArgumentError(ValueError):
    """An argument cannot be resolved; the message never holds a secret value."""


@dataclass(frozen=True, slots=True)
class ResolvedArgs:
    values: dict[str, str | None]
    secrets: frozenset[str] = field(default_factory=frozenset)


def placeholder_args(args: Iterable[Argument]) -> ResolvedArgs:
    """Values as written, secret-backed arguments replaced by :data:`SECRET_PLACEHOLDER`."""
    values: dict[str, str | None] = {}
    for arg in args:
        source = arg.value_from
        if source is not None and source.secret_key_ref is not None:
            values[arg.name or ""] = SECRET_PLACEHOLDER
        else:
            values[arg.name or ""] = arg.value
    return ResolvedArgs(values)


async def read_args(args: Iterable[Argument], namespace: str, read_secret: SecretReader) -> ResolvedArgs:
    """Values with every ``secretKeyRef`` read through ``read_secret(namespace, name)``."""
    values: dict[str, str | None] = {}
    secrets: set[str] = set()
    for arg in args:
        name = arg.name or ""
        source = arg.value_from
        ref = source.secret_key_ref if source is not None else None
        if ref is None:
            values[name] = arg.value
            continue
        if arg.value is not None:
            raise ArgumentError(f"arg {name} has both Value and ValueFrom fields")
        secret = await read_secret(namespace, ref.name or "")
        try:
            data = decode_secret_data(secret, namespace, ref.name or "")
        except SecretUnavailable as exc:
            raise ArgumentError(str(exc)) from None
        value = data.get(ref.key or "")
        if value is None:
            raise ArgumentError(f"key '{ref.key}' does not exist in secret '{ref.name}'")
        values[name] = value
        if value:
            secrets.add(value)
    return ResolvedArgs(values, frozenset(secrets))


def _json_string_inside(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def substitute(metric: Metric, args: ResolvedArgs) -> Metric:
    """The metric with every ``{{args.x}}`` replaced; raises :class:`ArgumentError`."""
    for name, value in args.values.items():
        if value is None:
            raise ArgumentError(f'argument "{name}" was not supplied')
    text = json.dumps(metric.to_dict())
    if "{{" not in text:
        return metric
    replacements = {f"args.{name}": _json_string_inside(value or "") for name, value in args.values.items()}

    def replace(match: re.Match[str]) -> str:
        tag = match.group(1)
        value = replacements.get(tag.strip())
        if value is None:
            raise ArgumentError(f"failed to resolve {{{{{tag}}}}}")
        return value

    resolved = _TAG.sub(replace, text)
    invalid = f"metric '{metric.name}' is not valid after argument substitution"
    try:
        return Metric.model_validate(json.loads(resolved))
    except ValidationError as exc:
        # e.g. an argument substituted into an integer field; the messages never echo a value
        raise ArgumentError(f"{invalid}: {ManifestError.from_pydantic(exc)}") from None
    except ValueError:
        raise ArgumentError(invalid) from None

