"""Request headers from a provider's ``authentication`` block (Prometheus, Web).

* ``basicAuth`` → ``Authorization: Basic …``;
* ``oauth2`` → the client-credentials grant against ``tokenUrl`` (form POST, bounded by the
  same timeout), then ``Authorization: Bearer <access_token>``; like upstream, a token is
  fetched per measurement (no cache: measurements are minutes apart);
* ``sigv4`` (AWS Managed Prometheus) is NOT supported by this build: signing needs the AWS
  credential chain (profiles, role assumption), which plain HTTP does not give; such a metric
  gets an Error measurement saying so.
"""

from __future__ import annotations

import base64

import aiohttp

from rollouts.analysis.http import decode_json, expect_object, require_2xx, send
from rollouts.analysis.measuring import MeasurementError
from rollouts.api.analysis import Authentication

SIGV4_UNSUPPORTED = "sigv4 authentication is not supported by this controller"


async def auth_headers(
    session: aiohttp.ClientSession, auth: Authentication | None, *, time_limit: float, insecure: bool = False
) -> dict[str, str]:
    if auth is None:
        return {}
    if auth.sigv4 is not None and (auth.sigv4.region or auth.sigv4.profile or auth.sigv4.role_arn):
        raise MeasurementError(SIGV4_UNSUPPORTED)
    if auth.oauth2 is not None and auth.oauth2.token_url:
        return {
            "Authorization": f"Bearer {await _client_credentials_token(session, auth, time_limit, insecure)}"
        }
    basic = auth.basic_auth
    if basic is not None and (basic.username or basic.password):
        pair = f"{basic.username or ''}:{basic.password or ''}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
    return {}


async def _client_credentials_token(
    session: aiohttp.ClientSession, auth: Authentication, time_limit: float, insecure: bool
) -> str:
    oauth2 = auth.oauth2
    assert oauth2 is not None and oauth2.token_url
    form = {"grant_type": "client_credentials"}
    if oauth2.scopes:
        form["scope"] = " ".join(oauth2.scopes)
    pair = f"{oauth2.client_id or ''}:{oauth2.client_secret or ''}".encode()
    headers = {"Authorization": "Basic " + base64.b64encode(pair).decode()}
    answer = await send(
        session,
        "POST",
        oauth2.token_url,
        time_limit=time_limit,
        headers=headers,
        data=form,
        insecure=insecure,
    )
    if not 200 <= answer.status < 300:
        raise MeasurementError(f"oauth2: token endpoint answered {answer.status}")
    token = expect_object(decode_json(require_2xx(answer), "oauth2 token"), "oauth2 token").get(
        "access_token"
    )
    if not isinstance(token, str) or not token:
        raise MeasurementError("oauth2: the token endpoint returned no access_token")
    return token
