"""The ID token checks refuse every token the portal must not believe (OpenID Connect Core
§3.1.3.7), and refresh the broker's keys once when a token names an unknown ``kid``.

The tokens are signed honestly, with test keys, by a tiny broker this test runs: a local
HTTP server that serves a discovery document and a JWKS, whose keys and availability the
test controls. The checks themselves are the portal's own (``broker.validate_id_token``,
Authlib underneath), the same function the callback uses after the real provider's code
exchange (tests/test_eid_provider_flow.py).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import ThreadingHTTPServer

import pytest
from authlib.jose import JsonWebKey, jwt

from requests_app.identity import broker, configuration
from tests.support import JsonHandler

pytestmark = pytest.mark.django_db

CLIENT_ID = "portal-client"
NONCE = "n-0S6_WzA2Mj"
BANKID = "urn:grn:authn:no:bankid:substantial"


class TinyBroker:
    """Discovery and JWKS on a free local port; counts the JWKS fetches."""

    def __init__(self):
        self.keys = {"k1": JsonWebKey.generate_key("RSA", 2048, is_private=True,
                                                   options={"kid": "k1"})}
        self.published = ["k1"]
        self.jwks_fetches = 0
        state = self

        class Handler(JsonHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": state.issuer, "jwks_uri": f"{state.issuer}/jwks",
                            "authorization_endpoint": f"{state.issuer}/auth",
                            "token_endpoint": f"{state.issuer}/token",
                            "code_challenge_methods_supported": ["S256"],
                            "id_token_signing_alg_values_supported": ["RS256"]}
                elif self.path == "/jwks":
                    state.jwks_fetches += 1
                    body = {"keys": [state.keys[kid].as_dict(is_private=False, use="sig",
                                                             alg="RS256")
                                     for kid in state.published]}
                else:
                    self.send_error(404)
                    return
                self.send_json(200, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add_key(self, kid: str, *, publish: bool) -> None:
        self.keys[kid] = JsonWebKey.generate_key("RSA", 2048, is_private=True,
                                                 options={"kid": kid})
        if publish:
            self.published.append(kid)

    def sign(self, kid: str = "k1", **overrides) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "sub": "broker-kari",
                  "iat": now, "exp": now + 300, "nonce": NONCE, "acr": BANKID,
                  "name": "Kari Nordmann", **overrides}
        claims = {key: value for key, value in claims.items() if value is not None}
        return jwt.encode({"alg": "RS256", "kid": kid}, claims, self.keys[kid]).decode()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tiny():
    server = TinyBroker()
    yield server
    server.stop()


@pytest.fixture
def eid(org_no, tiny):
    return configuration.configure(org_no, actor=None, issuer=tiny.issuer, client_id=CLIENT_ID,
                                   client_secret="s3cret", methods=["no_bankid"],
                                   level="substantial")


def _check(eid, id_token, *, nonce=NONCE, method="no_bankid"):
    return broker.validate_id_token(eid, {"id_token": id_token, "access_token": "at"},
                                    nonce=nonce, method=method)


def _refused(eid, id_token, **kwargs) -> broker.Refused:
    with pytest.raises(broker.Refused) as refused:
        _check(eid, id_token, **kwargs)
    return refused.value


def test_a_genuine_token_is_accepted_with_the_name_method_and_level(eid, tiny):
    identity = _check(eid, tiny.sign())
    assert identity == broker.Identity(subject="broker-kari", name="Kari Nordmann",
                                       method="no_bankid", level="substantial")


def test_a_token_whose_payload_was_altered_after_signing_is_refused(eid, tiny):
    header, payload, signature = tiny.sign().split(".")
    other_header, other_payload, _sig = tiny.sign(name="Ola Nordmann").split(".")
    assert payload != other_payload
    refused = _refused(eid, f"{header}.{other_payload}.{signature}")
    assert refused.reason == broker.INVALID_TOKEN
    assert refused.detail == "BadSignatureError"


def test_an_expired_token_is_refused(eid, tiny):
    past = int(time.time()) - 3600
    refused = _refused(eid, tiny.sign(iat=past - 300, exp=past))
    assert (refused.reason, refused.detail) == (broker.INVALID_TOKEN, "ExpiredTokenError")


def test_a_token_expired_within_the_leeway_is_still_accepted(eid, tiny):
    assert _check(eid, tiny.sign(exp=int(time.time()) - broker.LEEWAY_SECONDS // 2))


def test_a_token_with_another_nonce_is_refused(eid, tiny):
    refused = _refused(eid, tiny.sign(nonce="someone-elses-nonce"))
    assert refused.reason == broker.INVALID_TOKEN
    assert _refused(eid, tiny.sign(nonce=None)).reason == broker.INVALID_TOKEN


def test_a_token_for_another_client_is_refused(eid, tiny):
    refused = _refused(eid, tiny.sign(aud="another-client"))
    assert refused.reason == broker.INVALID_TOKEN
    # Naming us as the authorised party does not make a token for another audience ours.
    refused = _refused(eid, tiny.sign(aud="another-client", azp=CLIENT_ID))
    assert (refused.reason, refused.detail) == (broker.INVALID_TOKEN, "InvalidClaimError")
    assert _refused(eid, tiny.sign(aud=None)).reason == broker.INVALID_TOKEN


def test_a_token_from_another_issuer_is_refused(eid, tiny):
    assert _refused(eid, tiny.sign(iss="https://evil.example")).reason == broker.INVALID_TOKEN


def test_a_token_below_the_level_or_of_another_method_is_refused(eid, tiny, org_no):
    eid = configuration.configure(org_no, actor=None, issuer=tiny.issuer, client_id=CLIENT_ID,
                                  client_secret=None, methods=["no_bankid", "dk_mitid"],
                                  level="high")
    assert _refused(eid, tiny.sign(acr=BANKID)).detail == "acr"  # substantial < high
    assert _check(eid, tiny.sign(acr="urn:grn:authn:no:bankid")).level == "high"
    # A MitID token where the flow asked for BankID.
    assert _refused(eid, tiny.sign(acr="urn:grn:authn:dk:mitid:high")).detail == "acr"
    assert _refused(eid, tiny.sign(acr=None)).detail == "acr"


def test_a_token_without_a_name_is_refused(eid, tiny):
    assert _refused(eid, tiny.sign(name=None)).detail == "sub or name"
    assert _check(eid, tiny.sign(name=None, given_name="Kari", family_name="Nordmann")
                  ).name == "Kari Nordmann"


def test_an_unknown_kid_makes_the_portal_fetch_the_keys_again_then_refuse(eid, tiny):
    assert _check(eid, tiny.sign())  # the keys are now cached
    fetches = tiny.jwks_fetches
    tiny.add_key("k2", publish=False)  # a key the broker never published
    refused = _refused(eid, tiny.sign(kid="k2"))
    assert refused.reason == broker.INVALID_TOKEN
    assert tiny.jwks_fetches == fetches + 1  # fetched again once, then refused


def test_a_key_the_broker_rotated_in_is_found_by_fetching_the_keys_again(eid, tiny):
    assert _check(eid, tiny.sign())
    fetches = tiny.jwks_fetches
    tiny.add_key("k3", publish=True)
    assert _check(eid, tiny.sign(kid="k3")).subject == "broker-kari"
    assert tiny.jwks_fetches == fetches + 1
    assert _check(eid, tiny.sign(kid="k3"))  # now cached: no further fetch
    assert tiny.jwks_fetches == fetches + 1


def test_a_broker_that_is_down_when_its_keys_are_needed_is_reported_as_down(eid, tiny):
    tiny.stop()
    refused = _refused(eid, tiny.sign())
    assert refused.reason == broker.BROKER_DOWN


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_an_unsigned_or_symmetrically_signed_token_is_refused(eid, tiny):
    _header, payload, _signature = tiny.sign().split(".")
    assert _refused(eid, f"{_b64({'alg': 'none'})}.{payload}.").detail == "alg"
    hs256 = jwt.encode({"alg": "HS256", "kid": "k1"}, json.loads(
        base64.urlsafe_b64decode(payload + "==")), "s3cret").decode()
    assert _refused(eid, hs256).detail == "alg"  # signed with the client secret
    assert _refused(eid, "not-a-token").reason == broker.INVALID_TOKEN


def test_no_id_token_at_all_is_refused(eid):
    with pytest.raises(broker.Refused) as refused:
        broker.validate_id_token(eid, {"access_token": "at"}, nonce=NONCE, method="no_bankid")
    assert refused.value.reason == broker.INVALID_TOKEN
