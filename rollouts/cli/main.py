"""The command tree of ``kubectl-rollouts`` (click): flags, aliases, printing, exit codes.

Commands and flags mirror upstream's kubectl-argo-rollouts. Each command hands an ``async``
function from :mod:`.actions` (or :mod:`.status`, :mod:`.lint`, …) to :meth:`App.run`, which
connects lazily; tests replace the connector and the clock through :class:`App`.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import click

from rollouts.cli.session import Client, CliError, Connector, Target, connect, run_command

T = TypeVar("T")
PROG = "kubectl-rollouts"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    """Per-invocation state: global flags, and the seams tests replace."""

    connector: Connector = connect
    now: Callable[[], datetime] = _utc_now
    kubeconfig: str | None = None
    context: str | None = None
    namespace_flag: str | None = None
    request_timeout: float = 30.0
    _target: Target | None = field(default=None, repr=False)

    def target(self) -> Target:
        if self._target is None:
            from rollouts.cli.kubeconfig import resolve_kubeconfig, resolve_namespace

            path = resolve_kubeconfig(self.kubeconfig)
            namespace = resolve_namespace(self.namespace_flag, path, self.context)
            self._target = Target(path, self.context, namespace, self.request_timeout)
        return self._target

    @property
    def namespace(self) -> str:
        return self.target().namespace

    def run(self, work: Callable[[Client], Awaitable[T]]) -> T:
        try:
            return run_command(self.target(), work, self.connector)
        except CliError as err:
            raise click.ClickException(str(err)) from None


pass_app = click.make_pass_decorator(App, ensure=True)


class AliasedGroup(click.Group):
    """A group whose commands also answer to upstream's aliases (``ro``, ``exp``, ``ar`` …)."""

    def __init__(self, *args: Any, aliases: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.aliases = aliases or {}

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, self.aliases.get(cmd_name, cmd_name))

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        _, cmd, rest = super().resolve_command(ctx, args)
        return (cmd.name if cmd else None), cmd, rest


class GoBoolFlags(click.Command):
    """Accepts cobra's ``--flag=false`` / ``-f=true`` spelling of boolean flags (``status
    --watch=false`` is in upstream's own help), mapped onto click's ``--flag/--no-flag``."""

    go_bool_flags: dict[str, str] = {"--watch": "--watch", "-w": "--watch"}

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rewritten = []
        for arg in args:
            flag, sep, value = arg.partition("=")
            if sep and flag in self.go_bool_flags and value.lower() in ("true", "false", "1", "0"):
                long = self.go_bool_flags[flag]
                arg = long if value.lower() in ("true", "1") else "--no-" + long[2:]
            rewritten.append(arg)
        return super().parse_args(ctx, rewritten)


@click.group(cls=AliasedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--kubeconfig", metavar="PATH", help="Path to the kubeconfig file to use.")
@click.option("--context", "context_name", metavar="NAME", help="The kubeconfig context to use.")
@click.option(
    "-n", "--namespace", metavar="NAME", help="The namespace (default: the context's, else 'default')."
)
@click.option(
    "--request-timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds to wait for each API request.",
)
@pass_app
def cli(
    app: App, kubeconfig: str | None, context_name: str | None, namespace: str | None, request_timeout: float
) -> None:
    """Manage Argo Rollouts: promote, abort, inspect and lint progressive deliveries."""
    app.kubeconfig, app.context, app.namespace_flag = kubeconfig, context_name, namespace
    app.request_timeout = request_timeout


def _for_each(app: App, names: tuple[str, ...], action_name: str) -> None:
    """Run one of :mod:`.actions`' per-object commands for each name over one connection, printing
    each result; the first failure stops the rest (as upstream's loop does)."""
    from rollouts.cli import actions

    action: Callable[[Client, str, str], Awaitable[str]] = getattr(actions, action_name)
    ns = app.namespace

    async def work(client: Client) -> None:
        for name in names:
            click.echo(await action(client, ns, name))

    app.run(work)


# -- rollout actions ---------------------------------------------------------------------------


@cli.command()
@click.argument("name")
@click.option("--full", is_flag=True, help="Perform a full promotion, skipping analysis, pauses, and steps.")
@click.option(
    "-c",
    "--skip-current-step",
    is_flag=True,
    hidden=True,
    help="Deprecated: skip the current canary step (use promote without flags).",
)
@click.option("-a", "--skip-all-steps", is_flag=True, hidden=True, help="Deprecated: use --full.")
@pass_app
def promote(app: App, name: str, full: bool, skip_current_step: bool, skip_all_steps: bool) -> None:
    """Promote a rollout paused at a canary step, or a paused blue-green pre-promotion."""
    from rollouts.cli import actions

    if skip_current_step:
        click.echo(
            "Flag --skip-current-step has been deprecated, use without the flag instead ex: promote "
            "ROLLOUT_NAME",
            err=True,
        )
    if skip_all_steps:
        click.echo("Flag --skip-all-steps has been deprecated, use --full instead", err=True)
    ns = app.namespace
    click.echo(
        app.run(
            lambda c: actions.promote(
                c, ns, name, full=full, skip_current=skip_current_step, skip_all=skip_all_steps
            )
        )
    )


@cli.command()
@click.argument("names", nargs=-1, required=True)
@pass_app
def abort(app: App, names: tuple[str, ...]) -> None:
    """Abort a rollout: stop progressing and revert to the stable ReplicaSet."""
    _for_each(app, names, "abort")


@cli.command()
@click.argument("names", nargs=-1, required=True)
@pass_app
def pause(app: App, names: tuple[str, ...]) -> None:
    """Pause a rollout (set spec.paused)."""
    _for_each(app, names, "pause")


@cli.command()
@click.argument("name")
@click.option(
    "-i", "--in", "delay", metavar="DURATION", help="Amount of time before a restart (e.g. 30s, 5m, 1h)."
)
@pass_app
def restart(app: App, name: str, delay: str | None) -> None:
    """Restart the pods of a rollout."""
    from rollouts.cli import actions

    seconds = 0.0
    if delay:
        from rollouts.api.common import parse_go_duration

        try:
            seconds = parse_go_duration(delay)
        except ValueError as err:
            raise click.BadParameter(str(err), param_hint="'--in'") from None
    ns, now = app.namespace, app.now()
    click.echo(
        app.run(
            lambda c: actions.restart(
                c, ns, name, now=now, delay=timedelta(seconds=seconds), delay_text=delay or "0s"
            )
        )
    )


@cli.group(
    cls=AliasedGroup,
    aliases={"ro": "rollout", "rollouts": "rollout", "exp": "experiment", "experiments": "experiment"},
)
def retry() -> None:
    """Retry an aborted rollout or a failed experiment."""


@retry.command("rollout")
@click.argument("names", nargs=-1, required=True)
@pass_app
def retry_rollout(app: App, names: tuple[str, ...]) -> None:
    """Retry an aborted rollout."""
    _for_each(app, names, "retry_rollout")


@retry.command("experiment")
@click.argument("names", nargs=-1, required=True)
@pass_app
def retry_experiment(app: App, names: tuple[str, ...]) -> None:
    """Retry a failed experiment."""
    _for_each(app, names, "retry_experiment")


@cli.group(
    cls=AliasedGroup,
    aliases={
        "ar": "analysisrun",
        "analysisruns": "analysisrun",
        "exp": "experiment",
        "experiments": "experiment",
    },
)
def terminate() -> None:
    """Terminate an AnalysisRun or Experiment that is in progress."""


@terminate.command("analysisrun")
@click.argument("names", nargs=-1, required=True)
@pass_app
def terminate_analysis_run(app: App, names: tuple[str, ...]) -> None:
    """Terminate an AnalysisRun."""
    _for_each(app, names, "terminate_analysis_run")


@terminate.command("experiment")
@click.argument("names", nargs=-1, required=True)
@pass_app
def terminate_experiment(app: App, names: tuple[str, ...]) -> None:
    """Terminate an Experiment."""
    _for_each(app, names, "terminate_experiment")


@cli.group("set")
def set_group() -> None:
    """Update various values on a rollout."""


@set_group.command("image")
@click.argument("name")
@click.argument("container_image", metavar="CONTAINER=IMAGE")
@pass_app
def set_image(app: App, name: str, container_image: str) -> None:
    """Update the image of a rollout's container (``*`` for every container)."""
    from rollouts.cli import actions
    from rollouts.cli.patches import parse_container_image

    try:
        container, image = parse_container_image(container_image)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="'CONTAINER=IMAGE'") from None
    ns = app.namespace
    click.echo(app.run(lambda c: actions.set_image(c, ns, name, container, image)))


@cli.command()
@click.argument("name")
@click.option(
    "--to-revision",
    type=int,
    default=0,
    show_default=True,
    help="The revision to roll back to (0: the previous one).",
)
@pass_app
def undo(app: App, name: str, to_revision: int) -> None:
    """Roll back to the previous (or a given) revision."""
    from rollouts.cli import actions

    ns = app.namespace
    click.echo(app.run(lambda c: actions.undo(c, ns, name, to_revision=to_revision)))


# -- reading -----------------------------------------------------------------------------------


@cli.command(cls=GoBoolFlags)
@click.argument("name")
@click.option(
    "-w",
    "--watch/--no-watch",
    default=True,
    show_default=True,
    help="Watch the status of the rollout until it's done.",
)
@click.option(
    "-t",
    "--timeout",
    default="0",
    metavar="DURATION",
    help="How long to watch before giving up (e.g. 1s, 2m, 3h); 0 waits for ever.",
)
@pass_app
def status(app: App, name: str, watch: bool, timeout: str) -> None:
    """Show the status of a rollout; exits non-zero when it is Degraded or the watch times out."""
    from rollouts.api.common import parse_go_duration
    from rollouts.cli.status import rollout_status

    try:
        seconds = parse_go_duration(timeout)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="'--timeout'") from None
    ns = app.namespace
    app.run(lambda c: rollout_status(c, ns, name, watch=watch, timeout_seconds=seconds, emit=click.echo))


@cli.group(
    "list",
    cls=AliasedGroup,
    aliases={"ro": "rollouts", "rollout": "rollouts", "exp": "experiments", "experiment": "experiments"},
)
def list_group() -> None:
    """List rollouts or experiments."""


@list_group.command("rollouts")
@click.option("--name", "only", metavar="NAME", help="Only show the rollout with this name.")
@click.option("-A", "--all-namespaces", is_flag=True, help="Include all namespaces.")
@click.option("-w", "--watch", is_flag=True, help="Watch for changes (until interrupted).")
@pass_app
def list_rollouts(app: App, only: str | None, all_namespaces: bool, watch: bool) -> None:
    """List rollouts."""
    from rollouts.cli.listing import rollout_table
    from rollouts.cli.table import tabulate

    if watch:
        from rollouts.cli.list_watch import watch_rollouts

        ns = None if all_namespaces else app.namespace
        app.run(lambda c: watch_rollouts(c, ns, only, lambda text: click.echo(text, nl=False)))
        return
    items = _list_items(app, "ROLLOUTS", all_namespaces)
    items = [ro for ro in items if only is None or (ro.get("metadata") or {}).get("name") == only]
    if not items:
        click.echo("No resources found.", err=True)
        return
    click.echo(tabulate(rollout_table(items, all_namespaces=all_namespaces)), nl=False)


@list_group.command("experiments")
@click.option("-A", "--all-namespaces", is_flag=True, help="Include all namespaces.")
@click.option("-w", "--watch", is_flag=True, help="Watch for changes (until interrupted).")
@pass_app
def list_experiments(app: App, all_namespaces: bool, watch: bool) -> None:
    """List experiments."""
    from rollouts.cli.listing import experiment_table
    from rollouts.cli.table import tabulate

    if watch:
        from rollouts.cli.list_watch import watch_experiments

        ns = None if all_namespaces else app.namespace
        app.run(lambda c: watch_experiments(c, ns, app.now, lambda text: click.echo(text, nl=False)))
        return
    items = _list_items(app, "EXPERIMENTS", all_namespaces)
    if not items:
        click.echo("No resources found.", err=True)
        return
    click.echo(tabulate(experiment_table(items, app.now(), all_namespaces=all_namespaces)), nl=False)


def _list_items(app: App, resource: str, all_namespaces: bool) -> list[dict[str, Any]]:
    async def work(client: Client) -> list[dict[str, Any]]:
        from rollouts.k8s import resources

        listed = await client.list(getattr(resources, resource), None if all_namespaces else app.namespace)
        return [item for item in listed.get("items") or [] if isinstance(item, dict)]

    return app.run(work)


@cli.group(
    "get",
    cls=AliasedGroup,
    aliases={"ro": "rollout", "rollouts": "rollout", "exp": "experiment", "experiments": "experiment"},
)
def get_group() -> None:
    """Get details about rollouts and experiments: metadata and a tree of their children."""


def _get_options(command: Callable[..., None]) -> Callable[..., None]:
    command = click.option("-w", "--watch", is_flag=True, help="Watch live updates, redrawing in place.")(
        command
    )
    command = click.option("--no-color", is_flag=True, help="Do not colorize output.")(command)
    return click.option(
        "--timeout-seconds",
        type=click.IntRange(min=0),
        default=0,
        help="Stop watching after this many seconds (0: never).",
    )(command)


def _show(app: App, render: Callable[[Client, datetime], Awaitable[str]], watch: bool, timeout: int) -> None:
    if not watch:
        click.echo(app.run(lambda c: render(c, app.now())), nl=False)
        return
    from rollouts.cli.get import watch_text

    app.run(
        lambda c: watch_text(
            c, render, app.now, lambda text: click.echo(text, nl=False), timeout_seconds=timeout
        )
    )


@get_group.command("rollout")
@click.argument("name")
@_get_options
@pass_app
def get_rollout(app: App, name: str, watch: bool, no_color: bool, timeout_seconds: int) -> None:
    """Get details about a rollout."""
    from rollouts.cli.get import rollout_text
    from rollouts.cli.tree_render import Style

    ns = app.namespace
    _show(
        app, lambda c, now: rollout_text(c, ns, name, Style(now, color=not no_color)), watch, timeout_seconds
    )


@get_group.command("experiment")
@click.argument("name")
@_get_options
@pass_app
def get_experiment(app: App, name: str, watch: bool, no_color: bool, timeout_seconds: int) -> None:
    """Get details about an experiment."""
    from rollouts.cli.get import experiment_text
    from rollouts.cli.tree_render import Style

    ns = app.namespace
    _show(
        app,
        lambda c, now: experiment_text(c, ns, name, Style(now, color=not no_color)),
        watch,
        timeout_seconds,
    )


@cli.group("create", cls=AliasedGroup, aliases={"ar": "analysisrun"})
def create_group() -> None:
    """Create Argo Rollouts resources."""


@create_group.command("analysisrun")
@click.option(
    "--from",
    "from_template",
    metavar="NAME",
    help="Create from an AnalysisTemplate (or, with --global, ClusterAnalysisTemplate) in the cluster.",
)
@click.option("--from-file", metavar="FILE", help="Create from an (Cluster)AnalysisTemplate in a local file.")
@click.option(
    "--global",
    "cluster_scoped",
    is_flag=True,
    help="Use a ClusterAnalysisTemplate instead of an AnalysisTemplate.",
)
@click.option(
    "-a",
    "--argument",
    "arguments",
    multiple=True,
    metavar="NAME=VALUE",
    help="Arguments to the template (repeatable).",
)
@click.option("--name", metavar="NAME", help="Use the specified name for the run.")
@click.option("--generate-name", metavar="PREFIX", help="Use the specified generateName for the run.")
@click.option("--instance-id", metavar="ID", help="Instance-ID for the AnalysisRun.")
@pass_app
def create_analysis_run(
    app: App,
    from_template: str | None,
    from_file: str | None,
    cluster_scoped: bool,
    arguments: tuple[str, ...],
    name: str | None,
    generate_name: str | None,
    instance_id: str | None,
) -> None:
    """Create an AnalysisRun from an AnalysisTemplate or a ClusterAnalysisTemplate."""
    from rollouts.cli import actions
    from rollouts.cli.create import parse_arguments

    if (from_template is None) == (from_file is None):
        raise click.UsageError("one of --from or --from-file must be specified")
    try:
        args = parse_arguments(arguments)
        template = _read_template(from_file) if from_file else None
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    ns = app.namespace
    click.echo(
        app.run(
            lambda c: actions.create_analysis_run(
                c,
                ns,
                template=template,
                template_name=from_template,
                cluster_scoped=cluster_scoped,
                arguments=args,
                name=name,
                generate_name=generate_name,
                instance_id=instance_id,
            )
        )
    )


def _read_template(path: str) -> dict[str, Any]:
    from rollouts.cli.lint import read_documents

    docs = read_documents(path)
    if len(docs) != 1:
        raise ValueError(f"{path}: expected one AnalysisTemplate, found {len(docs)} documents")
    return docs[0]


@cli.command()
@click.option(
    "-p", "--port", type=click.IntRange(0, 65535), default=3100, show_default=True, help="Port to listen on."
)
@click.option(
    "--address",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (the dashboard acts with your kubeconfig's credentials: keep it local).",
)
@click.option(
    "-n",
    "--namespace",
    "only_namespace",
    metavar="NAME",
    help="Serve only this namespace (default: every namespace, opening on the context's).",
)
@pass_app
def dashboard(app: App, port: int, address: str, only_namespace: str | None) -> None:
    """Start the UI dashboard: rollouts, their revisions, steps and analysis, with action buttons."""
    import asyncio

    from rollouts.cli.session import connect, describe_error
    from rollouts.dashboard.cache import CacheNotSynced
    from rollouts.dashboard.server import Options, serve

    only = only_namespace or app.namespace_flag
    options = Options(address=address, port=port, only_namespace=only, version=package_version())
    try:
        asyncio.run(serve(app.target(), options, connect, announce=click.echo))
    except (CliError, CacheNotSynced) as err:
        raise click.ClickException(str(err)) from None
    except Exception as err:
        message = describe_error(err)
        if message is None:
            raise
        raise click.ClickException(message) from None


# -- offline -----------------------------------------------------------------------------------


@cli.command()
@click.option("-f", "--filename", required=True, metavar="FILE", help="File to lint.")
def lint(filename: str) -> None:
    """Lint and validate a Rollout (and the Argo objects next to it) from a file."""
    from rollouts.cli.lint import lint_documents, read_documents

    try:
        result = lint_documents(read_documents(filename))
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    for body in result.bodies:
        click.echo(body)
    if result.first_error is not None:
        raise click.ClickException(result.first_error)


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rollouts")
    except PackageNotFoundError:
        return "unknown"


@cli.command()
@click.option("--short", is_flag=True, help="Print just the version number.")
def version(short: bool) -> None:
    """Print the version."""
    click.echo(f"{PROG}: v{package_version()}")
    if not short:
        click.echo(f"  Python: {sys.version.split()[0]}")
        click.echo(f"  Platform: {sys.platform}")


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script (e.g. source <(kubectl-rollouts completion bash))."""
    from click.shell_completion import get_completion_class

    completer = get_completion_class(shell)
    if completer is None:  # click.Choice already restricts the shells; kept for the type checker
        raise click.ClickException(f"unsupported shell {shell!r}")
    var = "_" + PROG.replace("-", "_").upper() + "_COMPLETE"
    click.echo(completer(cli, {}, PROG, var).source())


def main() -> None:
    cli(prog_name=PROG)
