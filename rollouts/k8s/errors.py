"""Errors from the Kubernetes API, decoded from the ``Status`` body the server sends.

Callers branch on meaning, not on numbers: :func:`is_not_found`, :func:`is_conflict`,
:func:`is_already_exists`, :func:`is_gone`. Transport failures (connection refused, timeouts)
are :class:`TransportError`, a separate class, so that "the object is absent" is never confused
with "the server could not be reached".
"""

from __future__ import annotations

import json
from typing import Any


class ApiError(Exception):
    """The API server answered with a non-2xx status."""

    def __init__(self, status: int, reason: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message
        self.details = details or {}

    @classmethod
    def from_status(cls, status: dict[str, Any], http_status: int | None = None) -> ApiError:
        """From a ``Status`` object (an error response body, or a watch ERROR event's object)."""
        code = status.get("code")
        details = status.get("details")
        return cls(
            status=int(code) if isinstance(code, int) else (http_status or 0),
            reason=str(status.get("reason") or ""),
            message=str(status.get("message") or ""),
            details=details if isinstance(details, dict) else None,
        )

    @classmethod
    def from_response(cls, http_status: int, http_reason: str, body: bytes) -> ApiError:
        """From a failed HTTP response; a body that is not a Status still yields a clear error."""
        try:
            decoded = json.loads(body) if body else None
        except ValueError:
            decoded = None
        if isinstance(decoded, dict) and decoded.get("kind") == "Status":
            err = cls.from_status(decoded, http_status)
            err.status = http_status
            return err
        text = body[:512].decode("utf-8", "replace").strip()
        return cls(http_status, http_reason or "Unknown", text or http_reason or "no response body")


class TransportError(Exception):
    """The request did not get an HTTP answer: connection failure, TLS failure or timeout."""


def is_not_found(err: BaseException) -> bool:
    return isinstance(err, ApiError) and err.status == 404


def is_conflict(err: BaseException) -> bool:
    return isinstance(err, ApiError) and err.status == 409 and err.reason != "AlreadyExists"


def is_already_exists(err: BaseException) -> bool:
    return isinstance(err, ApiError) and err.status == 409 and err.reason == "AlreadyExists"


def is_gone(err: BaseException) -> bool:
    """410 Gone, or the "too old resource version" expiry a watch or a paginated list reports."""
    if not isinstance(err, ApiError):
        return False
    return err.status == 410 or err.reason in ("Expired", "Gone") or "too old resource version" in err.message


def is_too_many_requests(err: BaseException) -> bool:
    return isinstance(err, ApiError) and err.status == 429
