"""The time expressions of a Prometheus ``rangeQuery`` (``start: now() - duration("5m")``).

Upstream evaluates ``start``/``end`` with expr-lang's time functions, which this project's
expression language leaves out on purpose. The forms its documentation uses are accepted here:
``now()``, ``now() - duration("…")`` and ``now() + duration("…")`` (Go duration syntax), with
``now`` the measurement time. Anything else is an error naming the accepted forms.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from rollouts.api.common import parse_go_duration

_FORM = re.compile(r"""^\s*now\(\s*\)\s*(?:([+-])\s*duration\(\s*(["'`])(.*?)\2\s*\)\s*)?$""")


class TimeExprError(ValueError):
    pass


def eval_time(expression: str, now: datetime) -> datetime:
    match = _FORM.match(expression)
    if match is None:
        raise TimeExprError(
            f"unsupported time expression {expression!r}: "
            'use now(), now() - duration("5m") or now() + duration("5m")'
        )
    sign, _, duration = match.groups()
    if sign is None:
        return now
    try:
        seconds = parse_go_duration(duration)
    except ValueError as err:
        raise TimeExprError(str(err)) from None
    return now + timedelta(seconds=seconds if sign == "+" else -seconds)
