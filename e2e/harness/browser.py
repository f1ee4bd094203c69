"""Headless Debian Chromium driven over the Chrome DevTools Protocol, for the dashboard's e2e test.

Why raw CDP over aiohttp's websocket rather than Playwright or Selenium: the project already
depends on aiohttp, CDP needs a handful of methods here (navigate, evaluate, mouse events,
screenshot), and Playwright would pin its own browser build while the issue asks for Debian's
``chromium`` package. The browser runs as a :class:`~e2e.harness.controller.ControllerProcess`
(its own session, SIGTERM then SIGKILL at teardown, output in a log file).

Clicks are real input events (``Input.dispatchMouseEvent`` at the element's centre), not a
scripted ``element.click()``, so a button that is hidden, covered or disabled is not "clicked".
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from e2e.harness.controller import ControllerProcess
from e2e.harness.ports import free_port

CHROMIUM = "/usr/bin/chromium"
#: the flags the issue prescribes, plus a throwaway profile and the debugging port
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
CALL_TIMEOUT = 30.0


def chromium_path() -> str | None:
    found = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).is_file() else None)
    return found


def start_chromium(binary: str, workdir: Path) -> tuple[ControllerProcess, int]:
    port = free_port()
    argv = [
        binary,
        *FLAGS,
        f"--remote-debugging-port={port}",
        "--remote-debugging-address=127.0.0.1",
        f"--user-data-dir={workdir / 'chromium-profile'}",
        "--window-size=1280,1000",
        "about:blank",
    ]
    process = ControllerProcess(Path("/dev/null"), workdir / "chromium.log", command=argv)
    return process.start(), port


class CdpError(AssertionError):
    """A DevTools call failed or timed out (an AssertionError: the test fails with the reason)."""


class Page:
    """One tab. Calls are serialised: each sends a command and reads until its answer."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self._ids)
        await self._ws.send_str(json.dumps({"id": call_id, "method": method, "params": params}))
        try:
            async with asyncio.timeout(CALL_TIMEOUT):
                while True:
                    message = await self._ws.receive()
                    if message.type != aiohttp.WSMsgType.TEXT:
                        raise CdpError(f"{method}: the DevTools connection ended ({message.type.name})")
                    answer = json.loads(message.data)
                    if answer.get("id") != call_id:
                        continue  # an event, or nothing we wait for
                    if "error" in answer:
                        raise CdpError(f"{method}: {answer['error']}")
                    result: dict[str, Any] = answer.get("result") or {}
                    return result
        except TimeoutError:
            raise CdpError(f"{method}: no answer in {CALL_TIMEOUT:g}s") from None

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise CdpError(f"{expression}: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")

    async def navigate(self, url: str) -> None:
        await self.call("Page.navigate", url=url)

    async def wait_for(self, expression: str, *, seconds: float, describe: str) -> Any:
        """Evaluate until truthy; return the value. On timeout, quote the page's text."""
        deadline = time.monotonic() + seconds
        while True:
            value = await self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                text = await self.evaluate("document.body ? document.body.innerText : ''")
                raise CdpError(
                    f"timed out after {seconds:g}s waiting for {describe}; the page shows:\n{text}"
                )
            await asyncio.sleep(0.2)

    async def click(self, selector: str) -> None:
        """A left click at the centre of the first element matching ``selector``."""
        box = await self.evaluate(
            f"(() => {{ const el = document.querySelector({json.dumps(selector)});"
            " if (!el) return null; el.scrollIntoView({block: 'center'});"
            " const r = el.getBoundingClientRect();"
            " return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()"
        )
        if not box:
            raise CdpError(f"no element matches {selector}")
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            await self.call(
                "Input.dispatchMouseEvent", type=kind, x=box["x"], y=box["y"], button="left", clickCount=1
            )

    async def screenshot(self, path: Path) -> Path:
        shot = await self.call("Page.captureScreenshot", format="png")
        data = base64.b64decode(shot["data"])

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

        await asyncio.to_thread(write)
        return path


@asynccontextmanager
async def open_page(port: int, *, startup_seconds: float = 30.0) -> AsyncIterator[Page]:
    """The browser's first tab, once its DevTools endpoint answers (within ``startup_seconds``)."""
    deadline = time.monotonic() + startup_seconds
    request_timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(timeout=request_timeout) as session:
        targets: list[dict[str, Any]] = []
        while not any(t.get("type") == "page" for t in targets):
            try:
                async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
                    targets = await response.json()
            except aiohttp.ClientError:
                if time.monotonic() > deadline:
                    raise CdpError(f"chromium's DevTools did not answer on port {port}") from None
                await asyncio.sleep(0.2)
        url = next(t for t in targets if t.get("type") == "page")["webSocketDebuggerUrl"]
        async with session.ws_connect(url, max_msg_size=0) as ws:
            page = Page(ws)
            await page.call("Page.enable")
            await page.call("Runtime.enable")
            yield page
