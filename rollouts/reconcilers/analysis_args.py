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

import base64
import binascii
import json
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from rollouts.api.analysis import Argument, Metric
from rollouts.api.common import ManifestError

#: What a redacted secret value is replaced by (upstream's mask).
REDACTED = "*****"
#: The value a secret-backed argument takes before the Secret is read.
SECRET_PLACEHOLDER = "temp-for-secret"

_TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)

#: Reads ``data[key]`` of a Secret (base64 as the API returns it); raises when it cannot.
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
        encoded = (secret.get("data") or {}).get(ref.key or "")
        if not isinstance(encoded, str):
            raise ArgumentError(f"key '{ref.key}' does not exist in secret '{ref.name}'")
        try:
            value = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise ArgumentError(f"key '{ref.key}' of secret '{ref.name}' is not valid base64 text") from None
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


def redact(text: str | None, secrets: Iterable[str]) -> str | None:
    """``text`` with every secret value masked."""
    if not text:
        return text
    for secret in sorted(secrets, key=len, reverse=True):  # longest first: no partial leftovers
        if secret:
            text = text.replace(secret, REDACTED)
    return text
