"""Argument substitution, secret reading, the status patch and the TTL rule, on their own."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rollouts.api.analysis import AnalysisRun, Argument, Metric
from rollouts.reconcilers.analysis_args import (
    SECRET_PLACEHOLDER,
    ArgumentError,
    ResolvedArgs,
    placeholder_args,
    read_args,
    substitute,
)
from rollouts.reconcilers.analysis_status import status_patch
from rollouts.reconcilers.analysis_ttl import ttl_expiry
from tests.reconcilers.test_analysisrun_fakes import merge


def web(url: str, **fields: Any) -> Metric:
    return Metric.model_validate({"name": "m", "provider": {"web": {"url": url}}, **fields})


@given(value=st.text())
def test_any_value_lands_verbatim_in_a_string_field(value: str) -> None:
    metric = web("http://x/{{args.v}}", successCondition="result == '{{ args.v }}'")
    resolved = substitute(metric, ResolvedArgs({"v": value}))
    assert resolved.provider is not None and resolved.provider.web is not None
    assert resolved.provider.web.url == f"http://x/{value}"
    assert resolved.success_condition == f"result == '{value}'"


@given(value=st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=20))
def test_substitution_never_touches_text_without_a_tag(value: str) -> None:
    metric = web(f"http://x/{value}")
    assert substitute(metric, ResolvedArgs({"v": "z"})) == metric


def test_an_integer_field_takes_a_substituted_number_as_a_string() -> None:
    metric = Metric.model_validate(
        {"name": "m", "count": "{{args.n}}", "interval": "{{args.i}}", "provider": {"web": {"url": "u"}}}
    )
    resolved = substitute(metric, ResolvedArgs({"n": "3", "i": "5s"}))
    assert (resolved.count, resolved.interval) == ("3", "5s")


@pytest.mark.parametrize(
    ("url", "values", "message"),
    [
        ("{{args.x}}", {}, "failed to resolve {{args.x}}"),
        ("{{ args.x }}", {}, "failed to resolve {{ args.x }}"),
        ("{{other.x}}", {"x": "1"}, "failed to resolve {{other.x}}"),
        ("plain", {"x": None}, 'argument "x" was not supplied'),
    ],
)
def test_unresolvable_arguments(url: str, values: dict[str, str | None], message: str) -> None:
    with pytest.raises(ArgumentError) as err:
        substitute(web(url), ResolvedArgs(values))
    assert str(err.value) == message


def test_placeholders_stand_in_for_secrets_before_they_are_read() -> None:
    args = [
        Argument(name="a", value="1"),
        Argument.model_validate({"name": "s", "valueFrom": {"secretKeyRef": {"name": "n", "key": "k"}}}),
    ]
    assert placeholder_args(args).values == {"a": "1", "s": SECRET_PLACEHOLDER}
    assert placeholder_args(args).secrets == frozenset()


async def test_read_args_decodes_the_secret_key_and_collects_it_for_redaction() -> None:
    asked: list[tuple[str, str]] = []

    async def read(namespace: str, name: str) -> dict[str, Any]:
        asked.append((namespace, name))
        return {"data": {"k": base64.b64encode(b"hunter2").decode()}}

    args = [
        Argument(name="a", value="1"),
        Argument.model_validate({"name": "s", "valueFrom": {"secretKeyRef": {"name": "n", "key": "k"}}}),
    ]
    resolved = await read_args(args, "ns", read)
    assert resolved.values == {"a": "1", "s": "hunter2"}
    assert resolved.secrets == frozenset({"hunter2"})
    assert asked == [("ns", "n")]


async def test_read_args_refuses_value_and_value_from_together_without_reading() -> None:
    async def read(namespace: str, name: str) -> dict[str, Any]:
        raise AssertionError("must not be read")

    arg = Argument.model_validate(
        {"name": "s", "value": "v", "valueFrom": {"secretKeyRef": {"name": "n", "key": "k"}}}
    )
    with pytest.raises(ArgumentError, match="arg s has both Value and ValueFrom fields"):
        await read_args([arg], "ns", read)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=10,
)
statuses = st.dictionaries(
    st.sampled_from(["phase", "message", "metricResults", "x"]), json_values, max_size=4
)


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


@given(old=statuses, new=statuses)
def test_the_status_patch_turns_the_stored_status_into_the_new_one(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    patch = status_patch(old, new)
    if patch is None:
        assert _drop_nulls(old) == _drop_nulls(new)
        return
    patched = merge({"status": _drop_nulls(old)}, patch)
    assert patched.get("status", {}) == _drop_nulls(new)
    assert json.loads(json.dumps(patch)) == patch


def run_with(phase: str, completed_at: str | None, **ttl: int) -> AnalysisRun:
    status: dict[str, Any] = {"phase": phase}
    if completed_at:
        status["completedAt"] = completed_at
    return AnalysisRun.model_validate({"spec": {"ttlStrategy": ttl}, "status": status})


T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("phase", "ttl", "seconds"),
    [
        ("Successful", {"secondsAfterSuccess": 5, "secondsAfterCompletion": 50}, 5),
        ("Failed", {"secondsAfterFailure": 7, "secondsAfterCompletion": 50}, 7),
        ("Failed", {"secondsAfterSuccess": 5, "secondsAfterCompletion": 50}, 50),
        ("Error", {"secondsAfterFailure": 7, "secondsAfterCompletion": 50}, 50),
        ("Inconclusive", {"secondsAfterSuccess": 5, "secondsAfterCompletion": 0}, 0),
    ],
)
def test_ttl_rule_per_phase(phase: str, ttl: dict[str, int], seconds: int) -> None:
    expiry = ttl_expiry(run_with(phase, "2026-01-01T00:00:00Z", **ttl))
    assert expiry == T0 + timedelta(seconds=seconds + 1)


@pytest.mark.parametrize(
    "run",
    [
        run_with("Running", "2026-01-01T00:00:00Z", secondsAfterCompletion=1),
        run_with("Successful", None, secondsAfterCompletion=1),
        run_with("Successful", "not a time", secondsAfterCompletion=1),
        run_with("Error", "2026-01-01T00:00:00Z", secondsAfterSuccess=1),
        AnalysisRun.model_validate(
            {"status": {"phase": "Successful", "completedAt": "2026-01-01T00:00:00Z"}}
        ),
    ],
)
def test_runs_that_are_never_deleted(run: AnalysisRun) -> None:
    assert ttl_expiry(run) is None
