"""``lint`` over the invalid-Rollout corpus (tests/api/invalid): the controller's messages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from rollouts.cli.main import cli

CORPUS = sorted((Path(__file__).parents[1] / "api" / "invalid").glob("*.yaml"))
EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("**/*.yaml"))


def lint(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["lint", "-f", str(path)])
    return result.exit_code, result.output


@pytest.mark.parametrize("case", CORPUS, ids=[p.stem for p in CORPUS])
def test_invalid_corpus(case: Path, tmp_path: Path) -> None:
    spec = yaml.safe_load(case.read_text())
    manifest = tmp_path / "rollout.yaml"
    manifest.write_text(yaml.safe_dump(spec["rollout"]))
    code, output = lint(manifest)
    expect = spec["expect"]
    assert code == 1
    lines = output.splitlines()
    assert lines[-1].startswith("Error: ")
    if expect["stage"] == "validate":
        assert expect["message"] in lines[:-1]  # the bodies, on stdout
        if not expect.get("anywhere"):
            assert lines[-1] == f"Error: {expect['path']}: {expect['message']}"
    else:
        assert f"{expect['path']}: {expect['message']}" in output


def test_corpus_is_there() -> None:
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_are_clean(example: Path) -> None:
    code, output = lint(example)
    assert (code, output) == (0, "")


def test_referenced_service_in_the_same_file(tmp_path: Path) -> None:
    docs = [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "active"},
            "spec": {"selector": {"app": "other"}},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "preview"},
            "spec": {"selector": {"app": "web"}},
        },
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Rollout",
            "metadata": {"name": "web"},
            "spec": {
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "nginx"}]},
                },
                "strategy": {"blueGreen": {"activeService": "active", "previewService": "preview"}},
            },
        },
    ]
    manifest = tmp_path / "all.yaml"
    manifest.write_text(yaml.safe_dump_all(docs))
    code, output = lint(manifest)
    assert code == 1
    assert output.splitlines()[-1] == (
        'Error: spec.strategy.blueGreen.activeService: Invalid value: "active": '
        'Service "active" has unmatch label "app" in rollout'
    )


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    code, output = lint(tmp_path / "absent.yaml")
    assert code == 1 and output.startswith("Error: open ") and output.count("\n") == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: [unclosed\n")
    code, output = lint(bad)
    assert code == 1 and "not valid YAML" in output and output.count("\n") == 1


def test_only_ingresses_routing_to_the_rollout_are_checked(tmp_path: Path) -> None:
    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "edge"},
        "spec": {"rules": [{"http": {"paths": [{"path": "/", "backend": {"service": {"name": "other"}}}]}}]},
    }
    rollout_doc = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx"}]},
            },
            "strategy": {
                "canary": {
                    "stableService": "stable",
                    "canaryService": "canary",
                    "trafficRouting": {"nginx": {"stableIngress": "edge"}},
                    "steps": [{"setWeight": 10}],
                }
            },
        },
    }
    manifest = tmp_path / "nginx.yaml"
    manifest.write_text(yaml.safe_dump_all([ingress, rollout_doc]))
    assert lint(manifest) == (0, "")  # "edge" routes elsewhere: not this Rollout's, as upstream decides
