"""Text of ``get rollout`` / ``get experiment``: the header block and the tree, as upstream prints
them (``%-17s`` labels; tree lines aligned by the tabwriter; ``├──``/``└──`` prefixes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rollouts.cli import icons
from rollouts.cli.listing import human_duration
from rollouts.cli.table import tabulate
from rollouts.cli.tree_info import (
    AnalysisRunView,
    ExperimentView,
    ReplicaSetView,
    RolloutView,
    parse_time,
)

TREE_HEADER = "NAME\tKIND\tSTATUS\tAGE\tINFO"


@dataclass(frozen=True, slots=True)
class Style:
    now: datetime
    color: bool = True

    def paint(self, text: str, key: str | None = None) -> str:
        return icons.paint(text, text if key is None else key, self.color)

    def age(self, created: datetime | None) -> str:
        return human_duration((self.now - created).total_seconds()) if created else "<unknown>"


def _field(label: str, value: object) -> str:
    return f"{label:<17}{value}"


def _prefixes(is_last: bool, sub: str) -> tuple[str, str]:
    return (sub + "└──", sub + "   ") if is_last else (sub + "├──", sub + "│  ")


def _row(
    prefix: str, icon: str, name: str, kind: str, status_icon: str, status: str, age: str, info: str
) -> str:
    return f"{prefix}{icon} {name}\t{kind}\t{status_icon} {status}\t{age}\t{info}"


@dataclass(frozen=True, slots=True)
class Image:
    image: str
    tags: tuple[str, ...]


def _merge_image(images: dict[str, list[str]], image: str, tags: list[str]) -> None:
    """An image seen first keeps its tags' order; merged tags are sorted (as upstream merges)."""
    if image in images:
        images[image] = sorted(set(images[image]) | set(tags))
    else:
        images[image] = list(tags)


def experiment_images(view: ExperimentView) -> dict[str, list[str]]:
    images: dict[str, list[str]] = {}
    for rs in view.replica_sets:
        if rs.replicas > 0:
            for image in rs.images:
                _merge_image(images, image, [f"Σ:{rs.template}"] if rs.template else [])
    return images


def rollout_images(view: RolloutView) -> list[Image]:
    images: dict[str, list[str]] = {}
    for rs in view.replica_sets:
        if rs.replicas > 0:
            for image in rs.images:
                _merge_image(images, image, rs.image_tags())
    for exp in view.experiments:
        for image, tags in experiment_images(exp).items():
            _merge_image(images, image, tags)
    return [Image(name, tuple(images[name])) for name in sorted(images)]


def _format_image(image: Image, style: Style) -> str:
    if not image.tags:
        return image.image
    return f"{image.image} ({', '.join(style.paint(tag) for tag in image.tags)})"


def _image_lines(images: list[Image], style: Style) -> list[str]:
    return [_field("Images:" if i == 0 else "", _format_image(img, style)) for i, img in enumerate(images)]


def _replica_set_lines(rs: ReplicaSetView, prefix: str, sub: str, style: Style) -> list[str]:
    info, name = [], rs.meta.name
    for tag in rs.tags():
        info.append(style.paint(tag))
        name = style.paint(name, tag)
    if rs.scale_down_deadline:
        info.append(f"delay:{_scale_down_delay(rs.scale_down_deadline, style.now)}")
    lines = [
        _row(
            prefix,
            icons.REPLICA_SET,
            name,
            "ReplicaSet",
            style.paint(rs.icon),
            rs.status,
            style.age(rs.meta.created),
            ",".join(info),
        )
    ]
    for i, pod in enumerate(rs.pods):
        pod_prefix, _ = _prefixes(i == len(rs.pods) - 1, sub)
        pod_info = [f"ready:{pod.ready}"] + ([f"restarts:{pod.restarts}"] if pod.restarts > 0 else [])
        lines.append(
            _row(
                pod_prefix,
                icons.POD,
                pod.meta.name,
                "Pod",
                style.paint(pod.icon),
                pod.status,
                style.age(pod.meta.created),
                ",".join(pod_info),
            )
        )
    return lines


def _scale_down_delay(deadline_text: str, now: datetime) -> str:
    deadline = parse_time(deadline_text)
    if deadline is None:
        return ""
    if deadline < now:
        return "passed"
    return human_duration((deadline - now).total_seconds())


def _analysis_run_lines(run: AnalysisRunView, prefix: str, sub: str, style: Style) -> list[str]:
    counts = [
        (icons.OK, run.successful),
        (icons.BAD, run.failed),
        (icons.UNKNOWN, run.inconclusive),
        (icons.WARNING, run.error),
    ]
    info = [f"{style.paint(icon)} {count}" for icon, count in counts if count > 0]
    lines = [
        _row(
            prefix,
            icons.ANALYSIS,
            style.paint(run.meta.name, run.status),
            "AnalysisRun",
            style.paint(run.icon),
            run.status,
            style.age(run.meta.created),
            ",".join(info),
        )
    ]
    for i, job in enumerate(run.jobs):
        job_prefix, _ = _prefixes(i == len(run.jobs) - 1, sub)
        lines.append(
            _row(
                job_prefix,
                icons.JOB,
                style.paint(job.name, job.status),
                "Job",
                style.paint(job.icon),
                job.status,
                style.age(job.created),
                "",
            )
        )
    return lines


def _experiment_lines(exp: ExperimentView, prefix: str, sub: str, style: Style) -> list[str]:
    lines = [
        _row(
            prefix,
            icons.EXPERIMENT,
            style.paint(exp.meta.name, exp.status),
            "Experiment",
            style.paint(exp.icon),
            exp.status,
            style.age(exp.meta.created),
            "",
        )
    ]
    total, current = len(exp.replica_sets) + len(exp.analysis_runs), 0
    for rs in exp.replica_sets:
        lines += _replica_set_lines(rs, *_prefixes(current == total - 1, sub), style)
        current += 1
    for run in exp.analysis_runs:
        lines += _analysis_run_lines(run, *_prefixes(current == total - 1, sub), style)
        current += 1
    return lines


def _revisions(view: RolloutView) -> list[int]:
    found = {rs.meta.revision for rs in view.replica_sets}
    found |= {e.meta.revision for e in view.experiments}
    found |= {r.meta.revision for r in view.analysis_runs}
    return sorted(found, reverse=True)


def render_rollout(view: RolloutView, style: Style) -> str:
    head = [
        _field("Name:", view.meta.name),
        _field("Namespace:", view.namespace),
        _field("Status:", f"{style.paint(view.icon)} {view.status}"),
    ]
    if view.message:
        head.append(_field("Message:", view.message))
    head.append(_field("Strategy:", view.strategy))
    if view.strategy == "Canary":
        head += [
            _field("  Step:", view.step),
            _field("  SetWeight:", view.set_weight),
            _field("  ActualWeight:", view.actual_weight),
        ]
    head += _image_lines(rollout_images(view), style)
    head += [
        "Replicas:",
        _field("  Desired:", view.desired),
        _field("  Current:", view.current),
        _field("  Updated:", view.updated),
        _field("  Ready:", view.ready),
        _field("  Available:", view.available),
        "",
    ]
    tree = [
        TREE_HEADER,
        _row(
            "",
            icons.ROLLOUT,
            view.meta.name,
            "Rollout",
            style.paint(view.icon),
            view.status,
            style.age(view.meta.created),
            "",
        ),
    ]
    revisions = _revisions(view)
    for i, revision in enumerate(revisions):
        prefix, sub = _prefixes(i == len(revisions) - 1, "")
        tree.append(f"{prefix}{icons.REVISION} revision:{revision}\t\t \t\t")
        children: list[tuple[str, object]] = (
            [("rs", rs) for rs in view.replica_sets if rs.meta.revision == revision]
            + [("exp", e) for e in view.experiments if e.meta.revision == revision]
            + [("ar", r) for r in view.analysis_runs if r.meta.revision == revision]
        )
        for j, (kind, child) in enumerate(children):
            child_prefix, child_sub = _prefixes(j == len(children) - 1, sub)
            if kind == "rs":
                tree += _replica_set_lines(child, child_prefix, child_sub, style)  # type: ignore[arg-type]
            elif kind == "exp":
                tree += _experiment_lines(child, child_prefix, child_sub, style)  # type: ignore[arg-type]
            else:
                tree += _analysis_run_lines(child, child_prefix, child_sub, style)  # type: ignore[arg-type]
    return "\n".join(head) + "\n" + tabulate(tree)


def render_experiment(view: ExperimentView, namespace: str, style: Style) -> str:
    head = [
        _field("Name:", view.meta.name),
        _field("Namespace:", namespace),
        _field("Status:", f"{style.paint(view.icon)} {view.status}"),
    ]
    if view.message:
        head.append(_field("Message:", view.message))
    images = experiment_images(view)
    head += _image_lines([Image(n, tuple(images[n])) for n in sorted(images)], style)
    head.append("")
    tree = [TREE_HEADER, *_experiment_lines(view, "", "", style)]
    return "\n".join(head) + "\n" + tabulate(tree)
