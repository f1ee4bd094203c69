"""Whether the controller serving an object has seen its current ``metadata.generation``.

Read-back verification (beyond upstream) must not call a weight "live" just because the API server
stored it: a mesh or gateway controller reports the generation it acted on. Places checked, all
optional: ``status.observedGeneration`` (Istio), ``status.conditions[].observedGeneration`` and
``status.parents[].conditions[].observedGeneration`` (Gateway API). An object reporting none of
them (no controller installed, or a kind without status) counts as observed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def generation_observed(obj: dict[str, Any]) -> bool:
    generation = (obj.get("metadata") or {}).get("generation")
    if not isinstance(generation, int):
        return True
    return all(seen >= generation for seen in _reported(obj.get("status") or {}))


def _reported(status: dict[str, Any]) -> Iterator[int]:
    def ints(value: Any) -> Iterator[int]:
        if isinstance(value, int) and not isinstance(value, bool):
            yield value
        elif isinstance(value, str) and value.isdigit():  # Istio writes it as a string
            yield int(value)

    yield from ints(status.get("observedGeneration"))
    for condition in status.get("conditions") or []:
        yield from ints(condition.get("observedGeneration"))
    for parent in status.get("parents") or []:
        for condition in parent.get("conditions") or []:
            yield from ints(condition.get("observedGeneration"))
