"""Go's text/tabwriter as upstream's list and get commands configure it (padding 2, spaces).

A line is cells separated by tabs; every cell that a tab ends is padded to its column's widest
cell plus the padding, and the line's last cell (no tab after it) is written as is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def visible_width(cell: str) -> int:
    """Characters shown: ANSI colour escapes take no room (as in upstream's ansiterm tabwriter)."""
    return len(_ANSI.sub("", cell))


def tabulate(lines: Sequence[str], padding: int = 2) -> str:
    rows = [line.split("\t") for line in lines]
    widths: dict[int, int] = {}
    for row in rows:
        for col, cell in enumerate(row[:-1]):
            widths[col] = max(widths.get(col, 0), visible_width(cell))
    out = []
    for row in rows:
        cells = [
            cell + " " * (widths[col] + padding - visible_width(cell)) for col, cell in enumerate(row[:-1])
        ]
        out.append("".join(cells) + row[-1])
    return "\n".join(out) + ("\n" if out else "")
