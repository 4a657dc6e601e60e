"""CSV files staff bring from other systems (exports, marketing lists): which encoding and
which separator, guessed from their first bytes."""

from __future__ import annotations

import codecs
import csv


def sniff(sample: bytes) -> tuple[str, type[csv.Dialect] | csv.Dialect]:
    """The encoding (UTF-8, with or without a byte-order mark, else Windows-1252 as old Excel
    writes it) and the dialect (separator , ; tab or |; Excel's when it cannot tell) of a
    file that starts with ``sample``. A multi-byte character cut at the sample's end is
    fine."""
    encoding = "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample)
    except UnicodeDecodeError:
        encoding = "cp1252"
    try:
        dialect = csv.Sniffer().sniff(sample[:16384].decode(encoding, errors="ignore"),
                                      delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    return encoding, dialect


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    """Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR) gets a leading
    apostrophe; numbers and dates pass as they are. Requesters and staff type these texts."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
