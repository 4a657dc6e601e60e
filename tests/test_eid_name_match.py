"""The hint beside the verified name: the typed name matches it whatever the case, the
diacritics (ø, æ, å too) and the middle names; a different person does not match. Staff
decide; the hint must never call two different names the same."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from requests_app.identity.names import Match, fold, match


@pytest.mark.parametrize(("typed", "verified", "expected"), [
    ("Kari Nordmann", "Kari Nordmann", Match.EXACT),
    ("kari nordmann", "KARI NORDMANN", Match.EXACT),
    ("Soren Kierkegaard", "Søren Kierkegaard", Match.EXACT),
    ("Jens Hansen", "Jéns Hänsen", Match.EXACT),
    ("Per Aasen", "Per Åsen", Match.EXACT),  # å and aa are one letter in Danish and Norwegian
    ("Kari Nordmann", "Kari Marie Nordmann", Match.LIKELY),
    ("Søren Aabye Kierkegaard", "Søren Kierkegaard", Match.LIKELY),
    ("Kari Hansen", "Kari Nordmann-Hansen", Match.LIKELY),
    ("Kari Nordmann", "Ola Nordmann", Match.PARTIAL),
    ("Kari", "Kari Nordmann", Match.PARTIAL),
    ("Kari Nordmann", "Ola Hansen", Match.NONE),
    ("", "Kari Nordmann", Match.NONE),
])
def test_the_match_hint_tolerates_case_diacritics_and_middle_names(typed, verified, expected):
    assert match(typed, verified) is expected


names = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøåéü", min_size=2, max_size=8),
                 min_size=2, max_size=4)


@given(names)
def test_a_name_matches_itself_in_any_case(words):
    name = " ".join(words)
    assert match(name, name.upper()) is Match.EXACT
    assert match(name.title(), name) is Match.EXACT


@given(names, st.text(alphabet="abcdefghij", min_size=2, max_size=8))
def test_a_middle_name_on_either_side_still_matches(words, middle):
    typed = " ".join(words)
    verified = " ".join([words[0], middle, *words[1:]])
    assert match(typed, verified) in (Match.EXACT, Match.LIKELY)
    assert match(verified, typed) in (Match.EXACT, Match.LIKELY)


@given(names, names)
def test_names_with_no_word_in_common_never_match(a, b):
    if set(fold(" ".join(a))) & set(fold(" ".join(b))):
        return
    assert match(" ".join(a), " ".join(b)) is Match.NONE
