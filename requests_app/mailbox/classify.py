"""The request type and language a message suggests, from its words in Norwegian Bokmål,
Danish and English. Only a suggestion: staff choose the type when they register the request
(one click when the suggestion is right).

The words are stems matched at the start of a word, so "sletting", "slett", "slette" and
"sletningen" all count; a type wins by the number of its words found, ties going to the
order of ``RULES`` (erasure before access: "delete my data and send me a copy" is first of
all an erasure, and staff see both words in the text anyway).
"""

from __future__ import annotations

import re

#: (request type, stems). Types are ``models.RequestType`` values (this module imports
#: nothing of ours, so it can be tested alone).
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("erasure", ("slett", "slet", "delete", "erase", "erasure", "remove my", "fjern",
                 "glemt", "glemme", "forgotten", "forget me")),
    ("access", ("innsyn", "indsigt", "access", "kopi av", "kopi af", "copy of", "subject access",
                "dsar", "hvilke opplysninger", "hvilke oplysninger", "what data",
                "what personal data", "artikkel 15", "artikel 15", "article 15")),
    ("rectification", ("retting", "rett opp", "korriger", "berigtig", "ret mine", "rectif",
                       "correct", "endre mine", "wrong data", "feil i")),
    ("portability", ("dataportabilitet", "portabilitet", "portability", "overfør",
                     "transfer my")),
    ("objection", ("innsigelse", "indsigelse", "protest", "object to", "objection",
                   "markedsføring", "direct marketing", "reklame", "nyhetsbrev")),
    ("restriction", ("begrens", "restrict")),
    ("consent_withdrawal", ("samtykke", "withdraw", "trekke tilbake", "trække",
                            "tilbakekall", "consent")),
)

_LANGUAGE_WORDS = {
    "nb": ("jeg", "ikke", "hei", "mine", "opplysninger", "vennlig hilsen", "takk", "meg",
           "hva", "innsyn", "sletting", "og", "av"),
    "da": ("jeg", "ikke", "hej", "mine", "oplysninger", "venlig hilsen", "tak", "mig",
           "hvad", "indsigt", "sletning", "og", "af"),
    "en": ("i ", "my ", "please", "hello", "data", "regards", "thank", "the", "and", "of"),
}


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"\w+", text.lower())) + " "


def suggest_type(text: str) -> str:
    """The type whose words occur most often in ``text`` ("" when none does)."""
    words = _words(text)
    best, best_count = "", 0
    for request_type, stems in RULES:
        count = sum(words.count(" " + stem) for stem in stems)
        if count > best_count:
            best, best_count = request_type, count
    return best


def suggest_language(text: str, *, default: str) -> str:
    """nb, da or en by the most typical words found; ``default`` (the organisation's) on a
    tie or when none is found."""
    words = _words(text)
    counts = {language: sum(words.count(" " + w.strip() + " ") for w in markers)
              for language, markers in _LANGUAGE_WORDS.items()}
    best = max(counts.values())
    if best == 0:
        return default
    winners = [language for language, count in counts.items() if count == best]
    return default if default in winners or len(winners) > 1 else winners[0]
