"""A real Prometheus on 127.0.0.1 for the provider tests (Debian's ``prometheus`` package).

The data is written as OpenMetrics, turned into a TSDB block by ``promtool tsdb
create-blocks-from openmetrics``, and served by a ``prometheus`` process with an empty scrape
configuration on a free loopback port, so every query has a known answer at a known time.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

READY_TIMEOUT_SECONDS = 30.0


def available() -> bool:
    return shutil.which("prometheus") is not None and shutil.which("promtool") is not None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prometheus exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/-/ready", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"prometheus not ready after {READY_TIMEOUT_SECONDS}s: {log.read_text()[-2000:]}")


def _config(scrape_target: str | None) -> str:
    if scrape_target is None:
        return "global:\n  scrape_interval: 1h\nscrape_configs: []\n"
    return (
        "global:\n  scrape_interval: 1s\n"
        "scrape_configs:\n  - job_name: exporter\n"
        f"    static_configs:\n      - targets: ['{scrape_target}']\n"
    )


@contextmanager
def running_prometheus(
    workdir: Path, openmetrics: str | None, *, scrape_target: str | None = None
) -> Iterator[str]:
    """Start Prometheus over ``openmetrics`` (must end with ``# EOF``; None: no preloaded data),
    scraping ``host:port`` every second when ``scrape_target`` is given; yields its base URL."""
    data = workdir / "data"
    if openmetrics is not None:
        source = workdir / "data.om"
        source.write_text(openmetrics)
        subprocess.run(
            ["promtool", "tsdb", "create-blocks-from", "openmetrics", str(source), str(data)],
            check=True,
            capture_output=True,
            timeout=60,
        )
    config = workdir / "prometheus.yml"
    config.write_text(_config(scrape_target))
    port = free_port()
    log = workdir / "prometheus.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                "prometheus",
                f"--config.file={config}",
                f"--storage.tsdb.path={data}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--storage.tsdb.retention.time=100y",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
