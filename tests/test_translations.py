"""The translation catalogues: complete, compiled, and with every placeholder kept.

These read locale/*/LC_MESSAGES/django.po and .mo with Babel, so they need neither a database
nor GNU gettext. How to update the catalogues: locale/README.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = ["nb", "da", "en"]
TRANSLATED_LANGUAGES = ["nb", "da"]  # en copies its msgids, so its placeholders match trivially

# A printf-style conversion as Python's % operator reads it: %s, %d, %(name)s, %5.2f ...
# The space flag is left out on purpose, so that "50 % rabatt" is not taken for a placeholder.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0+]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa]")


def _catalogue_path(language: str, suffix: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"django.{suffix}"


def _read_po(language: str) -> Catalog:
    with _catalogue_path(language, "po").open("rb") as f:
        return read_po(f, locale=language)


def _read_mo(language: str) -> Catalog:
    with _catalogue_path(language, "mo").open("rb") as f:
        return read_mo(f)


def _entries(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]  # the header has the empty msgid


def _key(message: Message) -> tuple[str | tuple[str, ...], str | None]:
    msgid = tuple(message.id) if isinstance(message.id, list | tuple) else message.id
    context = message.context
    if isinstance(context, bytes):  # read_mo leaves the context undecoded
        context = context.decode("utf-8")
    return msgid, context


def _strings(message: Message) -> tuple[str, ...]:
    if isinstance(message.string, list | tuple):
        return tuple(message.string)
    return (message.string,)


def _is_translated(message: Message) -> bool:
    strings = _strings(message)
    return bool(strings) and all(strings)


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text.replace("%%", "")))


def _describe(message: Message) -> str:
    msgid = message.id[0] if isinstance(message.id, list | tuple) else message.id
    return f"[{message.context}] {msgid!r}" if message.context else repr(msgid)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalogue_is_complete(language):
    catalog = _read_po(language)
    assert _entries(catalog), f"{language}: the catalogue has no entries"

    untranslated = [_describe(m) for m in _entries(catalog) if not _is_translated(m)]
    fuzzy = [_describe(m) for m in _entries(catalog) if m.fuzzy]

    assert not untranslated, (
        f"{language}: {len(untranslated)} msgid(s) without a translation (see locale/README.md):\n"
        + "\n".join(untranslated)
    )
    assert not fuzzy, (
        f"{language}: {len(fuzzy)} fuzzy entr(y/ies): check the translation, then remove the "
        "'#, fuzzy' flag:\n" + "\n".join(fuzzy)
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogues_declare_their_language_and_plural_forms(language):
    # Read the header as written: Babel's parsed mime_headers rewrite some of it.
    header = _catalogue_path(language, "po").read_text(encoding="utf-8").split("\n\n", 1)[0]
    headers = dict(re.findall(r'^"([\w-]+): (.*?)\\n"$', header, flags=re.MULTILINE))

    assert "#, fuzzy" not in header
    assert headers.get("Language") == language
    assert headers.get("Content-Type") == "text/plain; charset=UTF-8"
    assert headers.get("Plural-Forms") == "nplurals=2; plural=(n != 1);"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogues_match_the_po_files(language):
    # What `pybabel compile` puts in the .mo: translated entries that are not fuzzy.
    from_po = {
        _key(m): _strings(m)
        for m in _entries(_read_po(language))
        if _is_translated(m) and not m.fuzzy
    }
    from_mo = {_key(m): _strings(m) for m in _entries(_read_mo(language))}

    stale = sorted(
        (repr(key) for key in from_po.keys() | from_mo.keys()
         if from_po.get(key) != from_mo.get(key)),
    )
    assert not stale, (
        f"{language}: django.mo does not match django.po; run "
        "`.venv/bin/pybabel compile -d locale -D django --statistics` and commit the .mo files. "
        "Differing entries:\n" + "\n".join(stale)
    )


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_placeholders_survive_translation(language):
    broken = []
    for message in _entries(_read_po(language)):
        if not _is_translated(message):
            continue  # reported by test_every_catalogue_is_complete
        strings = _strings(message)
        if isinstance(message.id, list | tuple):
            singular, plural = _placeholders(message.id[0]), _placeholders(message.id[1])
            for index, string in enumerate(strings):
                # msgstr[0] may leave out the count, as "one request" does, only if msgid does.
                allowed = [plural, singular] if index == 0 else [plural]
                if _placeholders(string) not in allowed:
                    broken.append(
                        f"{_describe(message)} msgstr[{index}] has {sorted(_placeholders(string))}"
                        f", expected {sorted(plural)}"
                    )
        else:
            expected = _placeholders(message.id)
            if _placeholders(strings[0]) != expected:
                broken.append(
                    f"{_describe(message)} has {sorted(_placeholders(strings[0]))}, "
                    f"expected {sorted(expected)}"
                )

    assert not broken, f"{language}: placeholders changed in translation:\n" + "\n".join(broken)
