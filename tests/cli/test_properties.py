"""Properties of the pure pieces: promote never moves past the last step, tables stay aligned,
undo's template comparison, the age column."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from rollouts.cli.history import derives, replica_set_for_revision
from rollouts.cli.listing import human_duration
from rollouts.cli.patches import promote_patches
from rollouts.cli.table import tabulate, visible_width
from tests.cli.conftest import rollout

STEP = st.sampled_from(
    [{"setWeight": 10}, {"pause": {}}, {"analysis": {"templates": []}}, {"experiment": {}}]
)


@given(
    steps=st.lists(STEP, max_size=6),
    index=st.one_of(st.none(), st.integers(0, 7)),
    paused=st.booleans(),
    pause_reasons=st.lists(st.sampled_from(["CanaryPauseStep", "InconclusiveAnalysisRun"]), max_size=2),
    full=st.booleans(),
)
def test_promote_stays_within_the_steps(
    steps: list[Any], index: int | None, paused: bool, pause_reasons: list[str], full: bool
) -> None:
    status: dict[str, Any] = {"pauseConditions": [{"reason": r} for r in pause_reasons]}
    if index is not None:
        status["currentStepIndex"] = min(index, len(steps))
    patches = promote_patches(rollout(steps=steps, status=status, paused=paused), full=full)
    for patch in (patches.spec, patches.status, patches.unified):
        written = ((patch or {}).get("status") or {}).get("currentStepIndex")
        assert written is None or 0 <= written <= len(steps)
    # a manually paused rollout is always unpaused by its spec patch
    assert (patches.spec == {"spec": {"paused": False}}) == paused


CELL = st.text(alphabet="ab✔⧉ ", max_size=8)


@given(st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=5))
def test_tabulate_aligns_every_column(rows: list[list[str]]) -> None:
    lines = tabulate(["\t".join(r) for r in rows]).splitlines()
    widths = [max(len(r[c]) for r in rows) + 2 for c in range(2)]
    for line, row in zip(lines, rows, strict=True):
        assert line[: widths[0]].rstrip() == row[0].rstrip()
        assert line[widths[0] : widths[0] + widths[1]].rstrip() == row[1].rstrip()
        assert line[widths[0] + widths[1] :] == row[2]


@given(st.text(alphabet="ab", max_size=5), st.integers(0, 107))
def test_colour_takes_no_width(text: str, code: int) -> None:
    assert visible_width(f"\x1b[{code}m{text}\x1b[0m") == len(text)


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=3)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(JSON)
def test_a_template_derives_from_itself_and_from_nothing(value: Any) -> None:
    assert derives(value, value)
    assert derives({}, value) and derives(None, value) and derives("", value)


@given(st.lists(st.integers(1, 9), min_size=2, max_size=6, unique=True))
def test_undo_picks_the_second_newest_revision(revisions: list[int]) -> None:
    rss = [
        {"metadata": {"name": f"rs-{r}", "annotations": {"rollout.argoproj.io/revision": str(r)}}}
        for r in revisions
    ]
    chosen = replica_set_for_revision(rss, 0, "ro")
    assert chosen["metadata"]["name"] == f"rs-{sorted(revisions)[-2]}"


@given(st.integers(0, 10**9), st.integers(0, 10**9))
def test_human_duration_never_shrinks_by_unit(a: int, b: int) -> None:
    # the leading number of a longer duration in the same unit is not smaller
    def lead(text: str) -> tuple[str, int]:
        digits = ""
        for ch in text:
            if not ch.isdigit():
                return ch, int(digits)
            digits += ch
        raise AssertionError(text)

    short, long = sorted((a, b))
    (unit_s, n_s), (unit_l, n_l) = lead(human_duration(short)), lead(human_duration(long))
    if unit_s == unit_l:
        assert n_s <= n_l


def test_human_duration_examples() -> None:
    assert [
        human_duration(s) for s in (0, 59, 119, 120, 599, 600, 3 * 3600, 8 * 3600 - 60, 2 * 86400 + 3600)
    ] == ["0s", "59s", "119s", "2m", "9m59s", "10m", "3h", "7h59m", "2d1h"]
