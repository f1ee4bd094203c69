"""setHeaderRoute / setMirrorRoute matches as plain dicts, and the regex form of a StringMatch.

A :class:`~rollouts.api.steps.StringMatch` holds exactly one of exact / prefix / regex (validation
guarantees it); routers that only know regular expressions use :func:`as_regex`.
"""

from __future__ import annotations

import re

from rollouts.api.steps import StringMatch


def string_match(match: StringMatch | None) -> dict[str, str]:
    """Istio's StringMatch shape: the one set field, e.g. ``{"exact": "x"}``."""
    if match is None:
        return {}
    for key in ("exact", "prefix", "regex"):
        value = getattr(match, key)
        if value is not None:
            return {key: value}
    return {}


def as_regex(match: StringMatch) -> str:
    """A regular expression accepting exactly what ``match`` accepts."""
    if match.regex is not None:
        return match.regex
    if match.prefix is not None:
        return "^" + re.escape(match.prefix) + ".*"
    return "^" + re.escape(match.exact or "") + "$"
