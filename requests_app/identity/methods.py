"""The electronic identities a broker offers, and the ``acr`` values that name each at each
eIDAS level of assurance (Regulation 910/2014 Art. 8).

The values follow the URN scheme of Idura (Criipto), ``urn:grn:authn:<country>:<method>
[:<level>]``, checked against its documentation on 2026-12-06: Norwegian BankID ``…:high``
(or the bare URN) is High (code device or app with PIN), ``…:substantial`` is Substantial
(the BankID app with biometrics). Other brokers name methods and levels otherwise
(Signaturgruppen chooses the eID with its own ``idp_values`` parameter and states NSIS levels;
Signicat uses ``idp:`` values): such a broker is connected by adding its values here (README,
"Connecting an eID broker"). The portal asks
for the values of the chosen method at or above the organisation's level, and accepts an
ID token only if its ``acr`` is one of them: the level is what the broker asserts, never
what the portal assumes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

SUBSTANTIAL = "substantial"
HIGH = "high"
#: Lowest first.
LEVELS = (SUBSTANTIAL, HIGH)


@dataclass(frozen=True)
class Method:
    code: str
    label: object  # a lazy translation
    #: The short name on the button ("Confirm your identity with BankID").
    brand: str
    #: acr value → the level it asserts.
    acr: dict[str, str]

    def acr_values(self, level: str) -> list[str]:
        """The ``acr`` values that satisfy ``level``, lowest first (as ``acr_values``: the
        broker may use any of them)."""
        floor = LEVELS.index(level)
        return [value for value, asserted in self.acr.items()
                if LEVELS.index(asserted) >= floor]


METHODS: dict[str, Method] = {method.code: method for method in (
    Method("no_bankid", _("Norwegian BankID"), "BankID", {
        "urn:grn:authn:no:bankid:substantial": SUBSTANTIAL,
        "urn:grn:authn:no:bankid": HIGH,
        "urn:grn:authn:no:bankid:high": HIGH,
    }),
    Method("dk_mitid", _("Danish MitID"), "MitID", {
        "urn:grn:authn:dk:mitid:substantial": SUBSTANTIAL,
        "urn:grn:authn:dk:mitid:high": HIGH,
    }),
    Method("se_bankid", _("Swedish BankID"), "BankID", {
        "urn:grn:authn:se:bankid": SUBSTANTIAL,
    }),
)}

CHOICES = [(method.code, method.label) for method in METHODS.values()]


def offered(codes: list[str], level: str) -> list[Method]:
    """The methods among ``codes`` that can reach ``level`` (Swedish BankID cannot be asked
    for at "high" with the values above)."""
    return [METHODS[code] for code in codes
            if code in METHODS and METHODS[code].acr_values(level)]


def asserted(method: Method, acr: str | None, level: str) -> str | None:
    """The level the ID token's ``acr`` asserts for ``method``, if it is one the portal asked
    for (at or above ``level``); else None: the token is refused."""
    if acr in method.acr_values(level):
        return method.acr[acr]
    return None
