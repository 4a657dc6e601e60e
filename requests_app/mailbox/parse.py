"""A raw e-mail into what the staff page may show, with stdlib ``email`` (``policy.default``).

Nothing here trusts the message: a malformed one still gives a sender, a subject and a body
(with the parser's defects noted), its HTML is shown only after nh3 has sanitised it (no
script, no style, no remote image: a tracking pixel would tell the sender the message was
read), and its attachments are only listed, never opened.

Whether a message was sent automatically follows RFC 3834 (``Auto-Submitted``), the mailing
list headers (RFC 2369, 2919: ``List-Id``, ``List-Unsubscribe``), ``Precedence: bulk/list/
junk``, and bounces (an empty return path or MAILER-DAEMON, RFC 5321 4.5.5; a
``multipart/report``, RFC 6522): such a message is never answered automatically, so no loop
of auto-replies can start.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

import nh3

from requests_app.references import ALPHABET

#: A reference as ``references.new_reference`` draws it (``K7Q-4MZP-2XWD``).
_REFERENCE = re.compile(rf"(?<![0-9A-Z])([{ALPHABET}]{{3}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}})"
                        rf"(?![0-9A-Z])")
#: Tags and attributes a sanitised message keeps: text structure and links, nothing that
#: loads or runs anything.
_TAGS = {"a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "hr", "i",
         "li", "ol", "p", "pre", "span", "strong", "table", "tbody", "td", "th", "thead", "tr",
         "u", "ul"}
_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"},
               "th": {"colspan", "rowspan"}}
#: Longest text kept for the page (a message body longer than this is cut, with a note).
MAX_TEXT = 100_000


@dataclass
class Part:
    """An attachment: its position among the message's parts (its address on the triage
    page), its name, type and size, and its decoded content (read once, when the message is
    parsed, and kept for the checks and the request's files)."""

    index: int
    filename: str
    content_type: str
    size: int
    content: bytes = field(default=b"", repr=False, compare=False)


@dataclass
class Parsed:
    sender_email: str = ""
    sender_name: str = ""
    subject: str = ""
    message_id: str = ""
    text: str = ""
    html: str = ""
    attachments: list[Part] = field(default_factory=list)
    automatic: str = ""
    defects: list[str] = field(default_factory=list)

    @property
    def references(self) -> list[str]:
        """The request references named in the subject, in order."""
        return _REFERENCE.findall(self.subject.upper())


def _message(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def _header(message: EmailMessage, name: str) -> str:
    """A header as text; a header the parser cannot decode gives its raw form, never an
    exception."""
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - a malformed header must not stop the page
        value = message.get_all(name, failobj=[""])[0] if hasattr(message, "get_all") else ""
    return " ".join(str(value or "").split())


def _sender(message: EmailMessage) -> tuple[str, str]:
    raw = _header(message, "Reply-To") or _header(message, "From")
    try:
        addresses = getaddresses([raw])
    except Exception:  # noqa: BLE001
        addresses = [parseaddr(raw)]
    name, address = addresses[0] if addresses else ("", "")
    if "@" not in address:
        return name[:200], ""
    return name[:200], address[:254]


def automatic_reason(message: EmailMessage) -> str:
    """Why ``message`` looks sent by a machine ("" if it does not): the header or type that
    says so. Any of these means: never answer it automatically."""
    auto = _header(message, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"[:40]
    for name in ("List-Id", "List-Unsubscribe", "List-Post"):
        if message.get(name) is not None:
            return name
    precedence = _header(message, "Precedence").lower()
    if precedence in ("bulk", "list", "junk", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if message.get(name) is not None:
            return name
    return_path = _header(message, "Return-Path")
    if message.get("Return-Path") is not None and parseaddr(return_path)[1] == "":
        return "null return path"
    sender = (_header(message, "From") + " " + return_path).lower()
    if "mailer-daemon" in sender or "postmaster@" in sender:
        return "MAILER-DAEMON"
    if message.get_content_type() == "multipart/report":
        return "multipart/report"
    return ""


def sanitise_html(html: str) -> str:
    """HTML that may be shown in the staff page: nh3 (Ammonia) keeps only the text structure
    and links (opened with ``rel="noopener noreferrer"``); no script, style, form, image or
    anything else that loads from elsewhere."""
    return nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https",
                                                                              "mailto"},
                     link_rel="noopener noreferrer nofollow")


def _text_of(part: EmailMessage) -> str:
    try:
        text = part.get_content()
    except Exception:  # noqa: BLE001 - an unknown charset or a broken encoding
        payload = part.get_payload(decode=True) or b""
        text = payload.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n")


def html_to_text(html: str) -> str:
    """The words of an HTML body (for an HTML-only message: suggestion and prefill)."""
    text = nh3.clean(re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>|</li>", "\n", html), tags=set())
    import html as html_module

    return re.sub(r"\n{3,}", "\n\n", html_module.unescape(text)).strip()


def parse(raw: bytes) -> Parsed:
    """Everything the triage page shows of ``raw``. Never raises for a malformed message."""
    result = Parsed()
    try:
        message = _message(raw)
    except Exception as error:  # noqa: BLE001
        result.defects.append(type(error).__name__)
        result.text = raw.decode("utf-8", errors="replace")[:MAX_TEXT]
        return result
    result.defects = [type(d).__name__ for d in message.defects]
    result.sender_name, result.sender_email = _sender(message)
    result.subject = _header(message, "Subject")[:300]
    result.message_id = _header(message, "Message-ID")[:300]
    result.automatic = automatic_reason(message)
    text_parts, html_parts = [], []
    for index, part in enumerate(message.walk()):
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        content_type = part.get_content_type()
        if disposition == "attachment" or (part.get_filename() and disposition != "inline") \
                or content_type not in ("text/plain", "text/html"):
            payload = part.get_payload(decode=True) or b""
            result.attachments.append(Part(index=index,
                                           filename=(part.get_filename() or "")[:200],
                                           content_type=content_type[:100],
                                           size=len(payload), content=payload))
        elif content_type == "text/html":
            html_parts.append(_text_of(part))
        else:
            text_parts.append(_text_of(part))
    if html_parts:
        result.html = sanitise_html("\n".join(html_parts))[:MAX_TEXT]
    result.text = ("\n\n".join(text_parts) if text_parts
                   else html_to_text("\n".join(html_parts)))[:MAX_TEXT]
    return result


def parse_headers(raw: bytes) -> Parsed:
    """Only the headers (of an oversized message, of which the body was not read)."""
    result = parse(raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n")
    result.text = ""
    return result


def fingerprint(*, message_id: str, raw: bytes, arrival: str) -> str:
    """What identifies a message when its UID no longer does (a new UIDVALIDITY): its
    Message-ID (or, without one, the digest of its content) with its arrival time (the
    server's INTERNALDATE, which survives renumbering). A SHA-256, so the column holds no
    address."""
    identity = message_id.strip() or "sha256:" + hashlib.sha256(raw).hexdigest()
    return hashlib.sha256(f"{identity}|{arrival}".encode()).hexdigest()
