"""The OpenID Connect client that talks to an organisation's eID broker (Authlib's Django
integration): the authorization code flow with PKCE (S256), ``state`` and ``nonce``, and
the checks on the ID token before the portal believes a word of it.

Steps of one verification:

1. ``start``: a flow bound to the request. Authlib keeps the PKCE verifier, the nonce and
   the redirect URI in the requester's session under the random ``state``; beside it the
   portal keeps which request and method the flow is for and when it began. Nothing in a
   URL names the request (the broker sees only ``state``).
2. The broker authenticates the person (BankID, MitID) and sends the browser back to
   ``/eid/callback/`` with a code and the state.
3. ``finish``: the state must be one this session started (once: it is removed on first
   use, so a replayed callback finds nothing), no older than ``FLOW_MINUTES``; the code is
   exchanged with the PKCE verifier (the broker refuses a code used twice); the ID token is
   checked by ``validate_id_token``.

``validate_id_token`` checks (Authlib, OpenID Connect Core §3.1.3.7) the signature with a
key of the broker's JWKS (fetched again once when the token names an unknown ``kid``, so a
key rotation works and a forged ``kid`` fails), ``iss``, ``aud``, ``exp`` (with
``LEEWAY_SECONDS``) and ``nonce``; then the portal's own rules: the ``acr`` is one of the
values asked for the method at the organisation's level, and there is a subject and a name.
Every failure is a ``Refused`` with a reason the requester's page explains; none is a 500.

Data minimisation (Art. 5(1)(c)): the scope is ``openid profile``, for the name only; no
scope that returns a national identity number (``nin``, ``ssn``, the brokers' CPR or
fødselsnummer scopes) is ever asked for, and of the claims only the subject, the name and
the acr are read.
"""

from __future__ import annotations

import json
import time
from base64 import urlsafe_b64decode
from dataclasses import dataclass

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.django_client import OAuth

from requests_app.identity import configuration
from requests_app.identity import methods as eid_methods
from requests_app.models import EidSettings, Request

#: Only what the name needs (OpenID Connect Core §5.4).
SCOPE = "openid profile"
#: Clock skew allowed on ``exp`` and ``iat``.
LEEWAY_SECONDS = 30
#: How long a started flow may take before the callback is refused as timed out.
FLOW_MINUTES = 15
#: Seconds for each call to the broker.
TIMEOUT_SECONDS = 10
_SESSION_KEY = "eid_flows"
#: Signature algorithms an ID token may use: asymmetric only. Never "none", and never HS256
#: (a key the client knows too: whoever has the client secret could sign), whatever the
#: broker's discovery document lists.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")

# The reasons of ``Refused``.
CANCELLED = "cancelled"
TIMED_OUT = "timed_out"
UNKNOWN_FLOW = "unknown_flow"
BROKER_DOWN = "broker_down"
BROKER_ERROR = "broker_error"
INVALID_TOKEN = "invalid_token"
NOT_OFFERED = "not_offered"


class Refused(Exception):
    """The verification did not succeed. ``reason`` is one of the constants above;
    ``request`` the request the flow was for, when known (to offer another try)."""

    def __init__(self, reason: str, *, request: Request | None = None, method: str = "",
                 detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.request, self.method, self.detail = reason, request, method, detail


@dataclass(frozen=True)
class Identity:
    """What the portal takes from a valid ID token."""

    subject: str
    name: str
    method: str
    level: str


_clients: dict[tuple[int, float], object] = {}


def client(eid: EidSettings):
    """The Authlib client of the organisation's broker, one per process and configuration:
    it keeps the discovery document and the JWKS it fetched (refreshed on an unknown
    ``kid``). A changed configuration makes a new one."""
    key = (eid.pk, eid.updated_at.timestamp())
    app = _clients.get(key)
    if app is None:
        for old in [k for k in _clients if k[0] == eid.pk]:
            del _clients[old]
        app = OAuth().register(
            name=f"eid{eid.pk}",
            client_id=eid.client_id,
            client_secret=configuration.client_secret(eid),
            server_metadata_url=configuration.discovery_url(eid.issuer),
            client_kwargs={"scope": SCOPE, "code_challenge_method": "S256",
                           "token_endpoint_auth_method": "client_secret_basic",
                           "default_timeout": TIMEOUT_SECONDS},
        )
        _clients[key] = app
    return app


def start(http_request, *, subject_request: Request, eid: EidSettings, method: str,
          redirect_uri: str) -> str:
    """Begin a verification of ``subject_request``'s requester with ``method``: the URL of
    the broker's authorization endpoint to send the browser to. Raises ``Refused``
    (``BROKER_DOWN`` when the discovery document cannot be read, ``NOT_OFFERED`` for a
    method the organisation does not accept)."""
    chosen = _method(eid, method, subject_request)
    app = client(eid)
    try:
        data = app.create_authorization_url(
            redirect_uri, acr_values=" ".join(chosen.acr_values(eid.level)),
            ui_locales=subject_request.language)
    except (requests.RequestException, ValueError, RuntimeError, AuthlibBaseError) as error:
        raise Refused(BROKER_DOWN, request=subject_request, method=method,
                      detail=type(error).__name__) from None
    # Authlib keeps the verifier, nonce and redirect URI under the state; we keep whose.
    app.save_authorize_data(http_request, redirect_uri=redirect_uri, **data)
    flows = {state: flow for state, flow in http_request.session.get(_SESSION_KEY, {}).items()
             if time.time() - flow["started"] < FLOW_MINUTES * 60}
    flows[data["state"]] = {"request": subject_request.pk, "method": chosen.code,
                            "organisation": eid.organisation_id, "started": time.time()}
    http_request.session[_SESSION_KEY] = flows
    return data["url"]


def finish(http_request) -> tuple[Request, Identity]:
    """Complete the flow the broker sent the browser back from: the request it was for and
    the verified identity. Raises ``Refused`` for a cancelled, timed-out, unknown or replayed
    flow, a broker that is down or answers with an error, and any ID token that fails a
    check."""
    params = http_request.GET
    state = params.get("state", "")
    flows = http_request.session.get(_SESSION_KEY, {})
    flow = flows.pop(state, None) if state else None
    http_request.session[_SESSION_KEY] = flows
    if flow is None:
        raise Refused(UNKNOWN_FLOW)
    subject_request = (Request.objects.select_related("organisation")
                       .filter(pk=flow["request"]).first())
    if subject_request is None:
        raise Refused(UNKNOWN_FLOW)
    method = flow["method"]

    def refuse(reason: str, detail: str = "") -> Refused:
        return Refused(reason, request=subject_request, method=method, detail=detail)

    eid = configuration.active(subject_request.organisation)
    if eid is None or eid.organisation_id != flow["organisation"]:
        raise refuse(NOT_OFFERED)
    app = client(eid)
    framework = app.framework
    state_data = framework.get_state_data(http_request.session, state)
    framework.clear_state_data(http_request.session, state)
    if params.get("error"):
        # RFC 6749 §4.1.2.1: the person cancelled (access_denied) or the broker failed.
        raise refuse(CANCELLED if params["error"] == "access_denied" else BROKER_ERROR,
                     params["error"][:50])
    if time.time() - flow["started"] > FLOW_MINUTES * 60:
        raise refuse(TIMED_OUT)
    if not state_data or not params.get("code"):
        raise refuse(UNKNOWN_FLOW)
    try:
        metadata = app.load_server_metadata()
        # RFC 9207: the response names the broker that sent it (a mix-up defence).
        if params.get("iss") and params["iss"] != metadata.get("issuer"):
            raise refuse(BROKER_ERROR, "iss")
        token = app.fetch_access_token(code=params["code"],
                                       code_verifier=state_data["code_verifier"],
                                       redirect_uri=state_data["redirect_uri"])
    except requests.RequestException as error:
        raise refuse(BROKER_DOWN, type(error).__name__) from None
    except (AuthlibBaseError, ValueError, KeyError) as error:
        # The token endpoint refused (e.g. invalid_grant: a code used twice or expired).
        raise refuse(BROKER_ERROR, getattr(error, "error", "") or type(error).__name__
                     ) from None
    try:
        identity = validate_id_token(eid, token, nonce=state_data["nonce"], method=method)
    except Refused as refused:
        raise refuse(refused.reason, refused.detail) from None
    return subject_request, identity


def validate_id_token(eid: EidSettings, token: dict, *, nonce: str, method: str) -> Identity:
    """The identity in ``token``'s ID token, once every check passed (see the module's
    docstring); ``Refused(INVALID_TOKEN)`` otherwise, ``Refused(BROKER_DOWN)`` when the JWKS
    cannot be fetched."""
    if not token.get("id_token"):
        raise Refused(INVALID_TOKEN, detail="no id_token")
    chosen = eid_methods.METHODS.get(method)
    if chosen is None:
        raise Refused(NOT_OFFERED)
    if _algorithm(token["id_token"]) not in ALGORITHMS:
        raise Refused(INVALID_TOKEN, detail="alg")
    app = client(eid)
    try:
        metadata = app.load_server_metadata()
        # Authlib checks ``aud`` only when told the values (without them, a token for another
        # client with our id as ``azp`` would pass), so both are given here.
        options = {"iss": {"essential": True, "values": [metadata.get("issuer")]},
                   "aud": {"essential": True, "values": [eid.client_id]}}
        claims = app.parse_id_token(token, nonce=nonce, claims_options=options,
                                    leeway=LEEWAY_SECONDS)
    except requests.RequestException as error:
        raise Refused(BROKER_DOWN, detail=type(error).__name__) from None
    except (AuthlibBaseError, ValueError, KeyError, TypeError) as error:
        # Bad signature, unknown kid after a refresh (ValueError), wrong iss/aud/nonce,
        # expired: all the same to the requester.
        raise Refused(INVALID_TOKEN, detail=type(error).__name__) from None
    if not nonce or claims.get("nonce") != nonce:  # never a token without the nonce asked
        raise Refused(INVALID_TOKEN, detail="nonce")
    level = eid_methods.asserted(chosen, claims.get("acr"), eid.level)
    if level is None:
        raise Refused(INVALID_TOKEN, detail="acr")
    name = (claims.get("name")
            or " ".join(part for part in (claims.get("given_name"), claims.get("family_name"))
                        if part))
    subject = claims.get("sub")
    if not subject or not isinstance(name, str) or not name.strip():
        raise Refused(INVALID_TOKEN, detail="sub or name")
    return Identity(subject=str(subject), name=name.strip()[:200], method=chosen.code,
                    level=level)


def _algorithm(id_token: str) -> str | None:
    """The ``alg`` of a compact JWS's header, or None if it cannot be read."""
    try:
        header = json.loads(urlsafe_b64decode(id_token.split(".")[0] + "=="))
    except (ValueError, TypeError, IndexError):
        return None
    return header.get("alg") if isinstance(header, dict) else None


def _method(eid: EidSettings, method: str, subject_request: Request) -> eid_methods.Method:
    offered = {m.code: m for m in configuration.offered_methods(eid)}
    if method not in offered:
        raise Refused(NOT_OFFERED, request=subject_request, method=method)
    return offered[method]
