"""Provider credentials read from Secrets, with every value remembered for redaction.

:class:`Credentials` is a Secret's decoded data plus the set of its secret values (all but
:data:`PUBLIC_KEYS`), which the provider adds to the secrets masked in its measurement's
message (an echoing server must not leak a key into ``status``).
"""

from __future__ import annotations

from dataclasses import dataclass

from rollouts.analysis.measuring import MeasurementError
from rollouts.analysis.secrets import SecretSource, SecretUnavailable

#: keys that locate a service rather than authenticate to it: kept visible in messages
PUBLIC_KEYS = frozenset({"address", "org", "region", "account-id", "base-url-rest", "base-url-nerdgraph"})


@dataclass(frozen=True, slots=True)
class Credentials:
    values: dict[str, str]

    def get(self, key: str) -> str:
        return self.values.get(key, "")

    @property
    def secret_values(self) -> frozenset[str]:
        return frozenset(v for k, v in self.values.items() if v and k not in PUBLIC_KEYS)


async def read_credentials(
    source: SecretSource | None, namespace: str, name: str, provider: str
) -> Credentials:
    """The Secret ``namespace/name``; raises :class:`MeasurementError` naming it (never its values)."""
    if source is None:
        raise MeasurementError(f"{provider}: no Secret reader configured for credentials")
    try:
        return Credentials(await source(namespace, name))
    except SecretUnavailable as err:
        raise MeasurementError(f"{provider}: {err}") from None
