"""Kubernetes-style JSONPath templates (``{$.data.ok}``, ``{.items[0].value}``) for the Web provider.

Upstream evaluates ``jsonPath`` with client-go's template JSONPath. The expressions Web metrics
use are plain paths inside one pair of braces, which are RFC 9535 queries once the braces are
removed and a leading ``$`` is ensured; python-jsonpath evaluates those. Templates with text
around or between braces (``"x={.a} y={.b}"``) are not supported and give a clear error.
"""

from __future__ import annotations

from typing import Any

import jsonpath

from rollouts.analysis.measuring import MeasurementError

#: upstream's jsonPath when none is given: the whole document
DEFAULT_JSON_PATH = "{$}"


def to_query(template: str) -> str:
    text = template.strip()
    if not (text.startswith("{") and text.endswith("}")) or text.count("{") != 1:
        raise MeasurementError(f"jsonPath {template!r}: expected one path in braces, like {{$.data.value}}")
    inner = text[1:-1].strip()
    if not inner.startswith("$"):
        inner = "$" + (inner if inner.startswith((".", "[")) else "." + inner)
    return inner


def first_match(template: str, document: Any) -> Any:
    """The first value ``template`` selects in ``document``; raises when it selects nothing."""
    query = to_query(template)
    try:
        matches = jsonpath.findall(query, document)
    except jsonpath.JSONPathError as err:
        raise MeasurementError(f"Could not find JSONPath in body: {template}: {err.args[0]}") from None
    if not matches:
        raise MeasurementError(f"Could not find JSONPath in body: {template} is not found")
    return matches[0]
