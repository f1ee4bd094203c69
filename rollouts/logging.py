"""Structured logging for the controller (structlog over the standard library's levels).

``configure`` is called once by the process; everything else just does
``structlog.get_logger(__name__)``. Upstream's log keys are kept: ``namespace`` plus one of
``rollout`` / ``analysisrun`` / ``experiment`` naming the object, and in JSON the message is
``msg`` with ``level`` and ``time`` beside it, as upstream's logrus writes them, so existing log
queries work.
Secrets never reach a log: nothing here logs objects, only names.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

import structlog

LogFormat = Literal["text", "json"]
LEVELS = ("debug", "info", "warn", "warning", "error")

#: kind -> upstream's log key for the object's name
OBJECT_KEYS = {"Rollout": "rollout", "AnalysisRun": "analysisrun", "Experiment": "experiment"}


def configure(level: str = "info", fmt: LogFormat = "text") -> None:
    """Route structlog to stderr at ``level`` in ``fmt``; raises ValueError on an unknown level."""
    name = level.lower()
    if name not in LEVELS:
        raise ValueError(f"unknown log level {level!r}: expected one of {', '.join(LEVELS)}")
    numeric = logging.getLevelName("WARNING" if name == "warn" else name.upper())
    renderers: list[structlog.typing.Processor] = (
        # upstream (logrus) writes the message under "msg": keep log queries working
        [structlog.processors.EventRenamer("msg"), structlog.processors.JSONRenderer()]
        if fmt == "json"
        else [structlog.dev.ConsoleRenderer(colors=False)]
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
            structlog.processors.format_exc_info,
            *renderers,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def for_object(
    logger: structlog.typing.FilteringBoundLogger, kind: str, namespace: str, name: str
) -> structlog.typing.FilteringBoundLogger:
    """A logger carrying ``namespace`` and the object's name under upstream's key for ``kind``."""
    key = OBJECT_KEYS.get(kind, kind.lower())
    bound: structlog.typing.FilteringBoundLogger = logger.bind(namespace=namespace, **{key: name})
    return bound
