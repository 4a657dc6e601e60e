"""Does the verified name match the name the requester typed? A hint for staff, who decide.

Names are written in many ways: "kari nordmann", "Kari Marie Nordmann", "KARI NORDMANN",
"Søren Kierkegaard" and "Soren Kierkegaard", "Kari Nordmann-Hansen". The comparison folds
case and diacritics (ø, æ and å too, which Unicode does not decompose), splits on spaces and
hyphens, and then asks whether the typed first and last names appear in the verified name,
so a middle name on either side does not matter. Pure functions: tested with tables and
hypothesis (tests/test_eid_name_match.py).
"""

from __future__ import annotations

import re
import unicodedata
from enum import Enum

#: Letters Unicode does not decompose into a base letter and a mark.
_FOLD = str.maketrans({"ø": "o", "æ": "ae", "å": "aa", "ð": "d", "þ": "th", "ß": "ss",
                       "ł": "l", "đ": "d", "œ": "oe"})


class Match(Enum):
    #: The same names, in the same order, after folding.
    EXACT = "exact"
    #: The same first name, and every name of the shorter one is in the longer (middle
    #: names, a second family name).
    LIKELY = "likely"
    #: Only the last name, or only the first, is shared: staff should look closer.
    PARTIAL = "partial"
    NONE = "none"


def fold(name: str) -> list[str]:
    """The words of ``name``, lower case, without diacritics ("Søren Aabye" →
    ["soren", "aabye"]); "å" and "aa" fold alike, as the Danish and Norwegian spellings."""
    text = unicodedata.normalize("NFKC", name).casefold().translate(_FOLD)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch))
    return [word for word in re.split(r"[^\w]+|_", text) if word]


def match(typed: str, verified: str) -> Match:
    """How well ``typed`` (what the requester wrote) matches ``verified`` (the broker's
    name). Symmetric in middle names: either side may have more of them."""
    a, b = fold(typed), fold(verified)
    if not a or not b:
        return Match.NONE
    if a == b:
        return Match.EXACT
    shorter, longer = sorted((a, b), key=len)
    if len(shorter) >= 2 and a[0] == b[0] and set(shorter) <= set(longer):
        return Match.LIKELY
    if a[-1] == b[-1] or a[0] == b[0] or set(a) & set(b):
        return Match.PARTIAL
    return Match.NONE
