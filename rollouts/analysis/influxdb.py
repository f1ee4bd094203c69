"""InfluxDB 2.x: a Flux query over the HTTP API (``POST /api/v2/query?org=…``, annotated CSV).

Credentials: the Secret named by ``profile`` (default ``influxdb``) in the controller's
namespace, keys ``authToken``, ``org`` and ``address``. Requests time out after 30 seconds.

Result as upstream: the ``_value`` of every record of every table, in order, typed by the
``#datatype`` annotation (double → float, long/unsignedLong → int, boolean → bool, others
text); the value is Go's ``fmt.Sprint`` of that list (``[1.5 2]``). No record is an Error.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import aiohttp

from rollouts.analysis.credentials import Credentials, read_credentials
from rollouts.analysis.gofmt import shortest_float
from rollouts.analysis.http import HttpAnswer, send
from rollouts.analysis.measuring import MeasurementError, Reading
from rollouts.analysis.secret_provider import SecretBackedProvider
from rollouts.analysis.secrets import SecretSource
from rollouts.api.analysis import AnalysisRun, Metric

DEFAULT_PROFILE = "influxdb"
TIMEOUT_SECONDS = 30.0
#: what the Go client asks for: every annotation, so values can be typed
DIALECT = {"annotations": ["datatype", "group", "default"], "delimiter": ",", "header": True}


def _typed(text: str, datatype: str) -> Any:
    try:
        if datatype == "double":
            return float(text)
        if datatype in ("long", "unsignedLong"):
            return int(text)
        if datatype == "boolean":
            return text == "true"
    except ValueError:
        raise MeasurementError(f"influxdb: {text!r} is not a valid {datatype}") from None
    return text


def record_values(csv_text: str) -> list[Any]:
    """``_value`` of every record in an annotated CSV answer (tables separated by blank lines)."""
    values: list[Any] = []
    datatypes: list[str] = []
    header: list[str] | None = None
    for row in csv.reader(io.StringIO(csv_text)):
        if not row or all(not cell for cell in row):
            header = None  # a blank line ends a table; the next one brings its own annotations
            continue
        if row[0].startswith("#"):
            if row[0] == "#datatype":
                datatypes = row
            header = None
            continue
        if header is None:
            header = row
            continue
        if "error" in header and "_value" not in header:
            raise MeasurementError(f"influxdb: {row[header.index('error')]}")
        if "_value" in header:
            index = header.index("_value")
            datatype = datatypes[index] if index < len(datatypes) else "string"
            values.append(_typed(row[index], datatype))
    return values


def go_sprint(values: list[Any]) -> str:
    def one(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return shortest_float(value)
        return str(value)

    return "[" + " ".join(one(v) for v in values) + "]"


def _error_message(answer: HttpAnswer) -> str:
    try:
        body = json.loads(answer.body)
    except ValueError:
        return f"influxdb: received non 2xx response code: {answer.status}"
    if isinstance(body, dict) and body.get("message"):
        return f"influxdb: {body.get('code', answer.status)}: {body['message']}"
    return f"influxdb: received non 2xx response code: {answer.status}"


class InfluxdbProvider(SecretBackedProvider):
    provider_type = "Influxdb"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        secrets: SecretSource | None,
        controller_namespace: str,
        request_timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        super().__init__(session, secrets, controller_namespace)
        self._request_timeout = request_timeout

    async def credentials(self, run: AnalysisRun, metric: Metric) -> Credentials:
        config = metric.provider.influxdb if metric.provider else None
        profile = (config.profile if config else None) or DEFAULT_PROFILE
        found = await read_credentials(self._secrets, self._controller_namespace, profile, "influxdb")
        if not (found.get("authToken") and found.get("org") and found.get("address")):
            raise MeasurementError("authToken, org, or address not found")
        return found

    async def read_with(self, run: AnalysisRun, metric: Metric, credentials: Credentials) -> Reading:
        config = metric.provider.influxdb if metric.provider else None
        payload = {"query": (config.query if config else None) or "", "type": "flux", "dialect": DIALECT}
        answer = await send(
            self._session,
            "POST",
            credentials.get("address").rstrip("/") + "/api/v2/query",
            time_limit=self._request_timeout,
            params={"org": credentials.get("org")},
            headers={
                "Authorization": f"Token {credentials.get('authToken')}",
                "Content-Type": "application/json",
                "Accept": "application/csv",
            },
            data=json.dumps(payload).encode(),
        )
        if not 200 <= answer.status < 300:
            raise MeasurementError(_error_message(answer))
        values = record_values(answer.text())
        if not values:
            raise MeasurementError("no results returned from flux query")
        return Reading(go_sprint(values), values)
