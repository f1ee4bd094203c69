"""Log setup: levels filter, JSON carries upstream's keys for the object."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import structlog

from rollouts import logging as rollouts_logging


@pytest.fixture(autouse=True)
def restore_structlog() -> Iterator[None]:
    # configure() binds the current (captured) stderr; later tests must not log into a closed file.
    yield
    structlog.reset_defaults()


def test_json_logs_carry_namespace_and_upstreams_object_key(capsys: pytest.CaptureFixture[str]) -> None:
    rollouts_logging.configure("info", "json")
    log = rollouts_logging.for_object(structlog.get_logger("t"), "Rollout", "ns", "web")
    log.info("reconciled")
    log.debug("hidden")
    rollouts_logging.for_object(structlog.get_logger("t"), "AnalysisRun", "ns", "run").warning("slow")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(r["msg"], r["level"]) for r in lines] == [("reconciled", "info"), ("slow", "warning")]
    assert lines[0]["namespace"] == "ns" and lines[0]["rollout"] == "web"
    assert lines[1]["analysisrun"] == "run"
    assert "time" in lines[0]


def test_debug_level_and_text_format(capsys: pytest.CaptureFixture[str]) -> None:
    rollouts_logging.configure("debug", "text")
    structlog.get_logger("t").debug("visible", experiment="ex")
    err = capsys.readouterr().err
    assert "visible" in err and "experiment=ex" in err


def test_unknown_level_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown log level 'loud'"):
        rollouts_logging.configure("loud")
