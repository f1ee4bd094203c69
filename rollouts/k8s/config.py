"""Where the API server is and how to authenticate: loaded by kubernetes_asyncio, used by us.

kubernetes_asyncio understands kubeconfig files (contexts, client certificates, exec plugins,
tokens) and the in-cluster service-account mount; we borrow exactly that and nothing else. The
result is a :class:`ClusterConfig`: a base URL, an SSL context and a callable returning the
current ``Authorization`` header (the in-cluster token file is re-read as it rotates).
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from kubernetes_asyncio import client as k8s_client
from kubernetes_asyncio import config as k8s_config

AuthHeader = Callable[[], Awaitable[str | None]]


async def _no_auth() -> None:
    return None


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    base_url: str
    ssl_context: ssl.SSLContext | None = None
    auth_header: AuthHeader = _no_auth


class ConfigError(Exception):
    """No usable cluster configuration (missing kubeconfig, unknown context, not in a cluster)."""


async def load_cluster_config(kubeconfig: str | None = None, context: str | None = None) -> ClusterConfig:
    """From ``kubeconfig`` (or ``$KUBECONFIG``), else from the in-cluster service account."""
    configuration = k8s_client.Configuration()
    path = kubeconfig or os.environ.get("KUBECONFIG")
    try:
        if path:
            await k8s_config.load_kube_config(
                config_file=path, context=context, client_configuration=configuration
            )
        else:
            k8s_config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    except (k8s_config.ConfigException, OSError) as err:
        where = f"kubeconfig {path!r}" if path else "the in-cluster service account"
        raise ConfigError(f"cannot load cluster configuration from {where}: {err}") from err
    return _from_configuration(configuration)


def _from_configuration(configuration: k8s_client.Configuration) -> ClusterConfig:
    base_url = str(configuration.host).rstrip("/")
    ssl_context: ssl.SSLContext | None = None
    if base_url.startswith("https://"):
        ssl_context = ssl.create_default_context(cafile=configuration.ssl_ca_cert)
        if configuration.cert_file:
            ssl_context.load_cert_chain(configuration.cert_file, keyfile=configuration.key_file)
        if not configuration.verify_ssl:
            ssl_context.check_hostname = False
            ssl_context.verify_mode = ssl.CERT_NONE

    async def auth_header() -> str | None:
        token = await configuration.get_api_key_with_prefix("BearerToken")
        if token:
            return str(token)
        if configuration.username or configuration.password:
            return str(configuration.get_basic_auth_token())
        return None

    return ClusterConfig(base_url=base_url, ssl_context=ssl_context, auth_header=auth_header)
