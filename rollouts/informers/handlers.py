"""Event handlers, tombstones, and the rule that a failing handler never stops an informer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import structlog

log = structlog.get_logger("rollouts.informers")

Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class DeletedFinalStateUnknown:
    """An object that vanished while the watch was down: found missing at the relist.

    ``obj`` is the last state the cache knew, which may be stale (client-go's type of this name).
    """

    key: str
    obj: Obj


class EventHandler(Protocol):
    def on_add(self, obj: Obj) -> None: ...

    def on_update(self, old: Obj, new: Obj) -> None: ...

    def on_delete(self, obj: Obj | DeletedFinalStateUnknown) -> None: ...


@dataclass(slots=True)
class FuncHandler:
    """An :class:`EventHandler` from up to three callables; missing ones ignore the event."""

    add: Callable[[Obj], None] | None = None
    update: Callable[[Obj, Obj], None] | None = None
    delete: Callable[[Obj | DeletedFinalStateUnknown], None] | None = None

    def on_add(self, obj: Obj) -> None:
        if self.add is not None:
            self.add(obj)

    def on_update(self, old: Obj, new: Obj) -> None:
        if self.update is not None:
            self.update(old, new)

    def on_delete(self, obj: Obj | DeletedFinalStateUnknown) -> None:
        if self.delete is not None:
            self.delete(obj)


def deleted_object(obj: Obj | DeletedFinalStateUnknown) -> Obj:
    """The object of a delete notification, unwrapping a tombstone."""
    return obj.obj if isinstance(obj, DeletedFinalStateUnknown) else obj


def call_safely(informer: str, what: str, func: Callable[..., None], *args: Any) -> None:
    try:
        func(*args)
    except Exception:
        log.exception("informer event handler failed", informer=informer, handler_event=what)
