"""New Relic: an NRQL query through NerdGraph (GraphQL).

Credentials: the Secret named by ``profile`` (default ``newrelic``) in the controller's
namespace, keys ``personal-api-key`` and ``account-id``, optional ``region`` (``us``/``eu``)
and ``base-url-nerdgraph``. ``timeout`` (seconds, default 5) is passed to NRQL and bounds the
HTTP request (plus a margin for the round trip).

Result as upstream: one result row is a map (value its JSON), several rows a list of maps; no
rows is an Error (``no results returned from NRQL query``); GraphQL errors are Errors.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from rollouts.analysis.credentials import Credentials, read_credentials
from rollouts.analysis.http import decode_json, expect_object, require_2xx, send
from rollouts.analysis.measuring import MeasurementError, Reading, redact
from rollouts.analysis.secret_provider import SecretBackedProvider
from rollouts.analysis.secrets import SecretSource
from rollouts.analysis.web import go_json
from rollouts.api.analysis import AnalysisRun, Metric

DEFAULT_PROFILE = "newrelic"
#: metric result metadata key holding the query after argument substitution
RESOLVED_QUERY_KEY = "ResolvedNewRelicQuery"
DEFAULT_NRQL_TIMEOUT = 5
#: beyond the NRQL timeout, for the round trip
HTTP_MARGIN_SECONDS = 5.0
NERDGRAPH_URLS = {"us": "https://api.newrelic.com/graphql", "eu": "https://api.eu.newrelic.com/graphql"}

NRQL_QUERY = """query ($query: Nrql!, $accountId: Int!, $timeout: Seconds!) {
  actor { account(id: $accountId) { nrql(query: $query, timeout: $timeout) { results } } }
}"""


def reading_of(body: Any) -> Reading:
    document = expect_object(body, "newrelic")
    errors = document.get("errors")
    if errors:
        messages = [e.get("message", str(e)) if isinstance(e, dict) else str(e) for e in errors]
        raise MeasurementError("newrelic: " + "; ".join(messages))
    try:
        results = document["data"]["actor"]["account"]["nrql"]["results"]
    except (KeyError, TypeError):
        raise MeasurementError("newrelic: the response holds no NRQL results") from None
    if not isinstance(results, list) or not results:
        raise MeasurementError("no results returned from NRQL query")
    if len(results) == 1:
        if not results[0]:
            raise MeasurementError("no results returned from NRQL query")
        return Reading(go_json(results[0]), results[0])
    return Reading(go_json(results), results)


class NewRelicProvider(SecretBackedProvider):
    provider_type = "NewRelic"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        secrets: SecretSource | None,
        controller_namespace: str,
        margin: float = HTTP_MARGIN_SECONDS,
    ) -> None:
        super().__init__(session, secrets, controller_namespace)
        self._margin = margin

    def result_metadata(self, metric: Metric, secrets: frozenset[str] = frozenset()) -> dict[str, str] | None:
        config = metric.provider.new_relic if metric.provider else None
        if config is None or not config.query:
            return None
        return {RESOLVED_QUERY_KEY: redact(config.query, secrets)}

    async def credentials(self, run: AnalysisRun, metric: Metric) -> Credentials:
        config = metric.provider.new_relic if metric.provider else None
        profile = (config.profile if config else None) or DEFAULT_PROFILE
        found = await read_credentials(self._secrets, self._controller_namespace, profile, "newrelic")
        if not found.get("personal-api-key") or not found.get("account-id"):
            raise MeasurementError("account ID or personal API key not found")
        return found

    async def read_with(self, run: AnalysisRun, metric: Metric, credentials: Credentials) -> Reading:
        config = metric.provider.new_relic if metric.provider else None
        if config is None:
            raise MeasurementError("newrelic: no newRelic provider configuration")
        timeout = DEFAULT_NRQL_TIMEOUT if config.timeout is None else config.timeout
        if timeout < 0:
            raise MeasurementError("timeout value needs to be a positive value")
        try:
            account = int(credentials.get("account-id"))
        except ValueError:
            raise MeasurementError("could not parse account ID") from None
        region = (credentials.get("region") or "us").lower()
        url = credentials.get("base-url-nerdgraph") or NERDGRAPH_URLS.get(region)
        if not url:
            raise MeasurementError(f"newrelic: unknown region {region!r}")
        payload = {
            "query": NRQL_QUERY,
            "variables": {"query": config.query or "", "accountId": account, "timeout": timeout},
        }
        headers = {"Api-Key": credentials.get("personal-api-key"), "Content-Type": "application/json"}
        answer = await send(
            self._session,
            "POST",
            url,
            time_limit=timeout + self._margin,
            headers=headers,
            data=json.dumps(payload).encode(),
        )
        return reading_of(decode_json(require_2xx(answer), "newrelic"))
