"""Trimming objects before they are cached: memory per cached object is what scales.

Upstream's controller cached whole objects and grew to gigabytes at 10k Rollouts. Every object an
informer caches passes through :func:`trim` first, which drops what no reconciler reads:

* ``metadata.managedFields`` — often larger than the object itself;
* the ``kubectl.kubernetes.io/last-applied-configuration`` annotation — a second copy of the spec.

:func:`trim` mutates the object it is given: it is called on a freshly decoded event that nothing
else holds, so copying would only double the work. A per-informer :data:`Transform` runs after it
(e.g. Pods can drop the fields no reconciler reads). :func:`intern_strings` is a ready-made
transform that makes repeated strings (keys, label values, image names) share one copy.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

Obj = dict[str, Any]
Transform = Callable[[Obj], Obj]

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def trim(obj: Obj) -> Obj:
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
        annotations = meta.get("annotations")
        if isinstance(annotations, dict) and LAST_APPLIED in annotations:
            del annotations[LAST_APPLIED]
            if not annotations:
                del meta["annotations"]
    return obj


def intern_strings(obj: Obj) -> Obj:
    """Rebuild the tree with every key and every short string value interned.

    Invariant: the result is equal (``==``) to the input. Long strings (> 256 characters, e.g.
    embedded scripts) are left alone: they rarely repeat and interning them only costs time.
    """
    return _intern_dict(obj)


def _intern_value(value: Any) -> Any:
    if isinstance(value, str):
        return sys.intern(value) if len(value) <= 256 else value
    if isinstance(value, dict):
        return _intern_dict(value)
    if isinstance(value, list):
        return [_intern_value(v) for v in value]
    return value


def _intern_dict(d: dict[str, Any]) -> dict[str, Any]:
    return {sys.intern(k): _intern_value(v) for k, v in d.items()}
