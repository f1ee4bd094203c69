"""Where providers get credentials: an injected reader of Secrets, never a global.

A :data:`SecretSource` returns one Secret's ``data`` decoded to text (``{key: value}``) and
raises :class:`SecretUnavailable` (with a message naming the Secret, never a value) when it
cannot. :func:`kube_secret_source` adapts the Kubernetes client.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from rollouts.k8s.errors import ApiError, TransportError
from rollouts.k8s.resources import SECRETS, Resource

SecretSource = Callable[[str, str], Awaitable[dict[str, str]]]
"""``await source(namespace, name)`` → the Secret's data as text."""


class SecretUnavailable(Exception):
    """The Secret cannot be read or decoded; the message holds no secret value."""


class SecretGetter(Protocol):
    async def get(self, res: Resource, name: str, namespace: str | None = None) -> dict[str, Any]: ...


def decode_secret_data(secret: dict[str, Any], namespace: str, name: str) -> dict[str, str]:
    decoded: dict[str, str] = {}
    for key, encoded in (secret.get("data") or {}).items():
        try:
            decoded[key] = base64.b64decode(str(encoded), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise SecretUnavailable(
                f"key '{key}' of secret {namespace}/{name} is not valid base64 text"
            ) from None
    return decoded


def kube_secret_source(client: SecretGetter) -> SecretSource:
    async def read(namespace: str, name: str) -> dict[str, str]:
        try:
            secret = await client.get(SECRETS, name, namespace)
        except (ApiError, TransportError) as err:
            raise SecretUnavailable(f"cannot read secret {namespace}/{name}: {err}") from None
        return decode_secret_data(secret, namespace, name)

    return read
