"""Bounded HTTP for providers: every request has a total timeout, every failure a clear message.

:func:`send` returns the status and the whole body (capped at :data:`MAX_BODY_BYTES`, so a
hostile server cannot exhaust memory); it raises :class:`~.measuring.MeasurementError` when no
answer arrives: connection refused, DNS/TLS failure, an invalid URL, or the timeout.
:func:`require_2xx` is upstream's non-2xx rule and :func:`decode_json` reads the body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from rollouts.analysis.measuring import MeasurementError

MAX_BODY_BYTES = 16 * 1024 * 1024
READ_CHUNK_BYTES = 64 * 1024
#: How much of an unexpected body a message quotes.
QUOTED_BODY_CHARS = 256


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def quoted(self) -> str:
        text = self.text().strip()
        return text[:QUOTED_BODY_CHARS] + ("…" if len(text) > QUOTED_BODY_CHARS else "")


async def send(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    time_limit: float,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    data: bytes | str | Mapping[str, str] | None = None,
    insecure: bool = False,
) -> HttpAnswer:
    if time_limit <= 0:
        raise MeasurementError(f"{method} {url}: the timeout must be positive, got {time_limit}")
    try:
        async with session.request(
            method,
            url,
            headers=dict(headers or {}),
            params=dict(params) if params else None,
            data=data,
            timeout=aiohttp.ClientTimeout(total=time_limit),
            ssl=not insecure,
            allow_redirects=True,
        ) as response:
            return HttpAnswer(response.status, await _read_capped(response.content, method, url))
    except TimeoutError:
        raise MeasurementError(f"{method} {url}: no answer within {time_limit:g}s (timeout)") from None
    except aiohttp.InvalidURL:
        raise MeasurementError(f"{method} {url}: invalid URL") from None
    except aiohttp.ClientConnectorError as err:
        raise MeasurementError(f"{method} {url}: cannot connect: {err.os_error.strerror or err}") from None
    except (aiohttp.ClientError, ValueError) as err:
        raise MeasurementError(f"{method} {url}: {type(err).__name__}: {err}") from None


async def _read_capped(stream: aiohttp.StreamReader, method: str, url: str) -> bytes:
    # read() returns what has arrived so far, not the whole body: loop until EOF
    body = bytearray()
    while chunk := await stream.read(READ_CHUNK_BYTES):
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise MeasurementError(f"{method} {url}: the response is larger than {MAX_BODY_BYTES} bytes")
    return bytes(body)


def require_2xx(answer: HttpAnswer) -> HttpAnswer:
    """Upstream's wording for a non-2xx answer."""
    if not 200 <= answer.status < 300:
        raise MeasurementError(f"received non 2xx response code: {answer.status}")
    return answer


def decode_json(answer: HttpAnswer, what: str) -> Any:
    try:
        return json.loads(answer.body)
    except ValueError:
        raise MeasurementError(f"{what}: the response is not JSON: {answer.quoted()!r}") from None


def expect_object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MeasurementError(f"{what}: expected a JSON object, got {type(value).__name__}")
    return value
