"""An organisation's branding: colour, logo and a short welcome text on its public pages and
in its e-mails.

The colour is refused unless text in it is readable (WCAG 2.x success criterion 1.4.3,
level AA: a contrast of at least 4.5:1 for normal text): the colour is used as text on white
(links, headings) and as the background of white text (buttons), so both pairs are checked
and the error says the ratio.

A logo is accepted only as a PNG or JPEG of at most ``LOGO_MAX_BYTES`` and
``LOGO_MAX_SIDE`` pixels a side, which Pillow can decode, and is stored re-encoded as a PNG
(at most ``LOGO_STORED_HEIGHT`` high): what is served (``views.public.logo``) is an image
made here, never the uploaded bytes, so a file that is also HTML or script, or carries
metadata, never reaches a browser. SVG is refused: it can carry script.
"""

from __future__ import annotations

import hashlib
import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from requests_app import access
from requests_app.models import Organisation

#: WCAG 2.x SC 1.4.3 (AA), normal text.
MIN_CONTRAST = 4.5
WHITE = "#ffffff"
#: The colour of text on the brand colour (buttons).
TEXT_ON_BRAND = WHITE
LOGO_MAX_BYTES = 512 * 1024
LOGO_MAX_SIDE = 2000
LOGO_STORED_HEIGHT = 160
LOGO_FORMATS = {"PNG", "JPEG"}


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of ``#rrggbb``."""
    colour = colour.lstrip("#")
    r, g, b = (int(colour[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(first: str, second: str) -> float:
    """(L1 + 0.05) / (L2 + 0.05), the lighter over the darker: 1 to 21."""
    a, b = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def check_colour(colour: str) -> str:
    """The colour, lower case, or ``ValidationError`` naming the ratio that fails."""
    colour = (colour or "").strip().lower()
    if not colour:
        return ""
    if len(colour) != 7 or colour[0] != "#" or any(c not in "0123456789abcdef"
                                                    for c in colour[1:]):
        raise ValidationError(_("Write the colour as # and six hex digits, e.g. #1f5f8b."),
                              code="format")
    for other, message in (
        (WHITE, _("%(colour)s on white has a contrast of %(ratio)s:1; text needs at least "
                  "%(minimum)s:1 (WCAG AA). Choose a darker colour.")),
        (TEXT_ON_BRAND, _("White text on %(colour)s has a contrast of %(ratio)s:1; it needs "
                          "at least %(minimum)s:1 (WCAG AA). Choose a darker colour.")),
    ):
        ratio = contrast_ratio(colour, other)
        if ratio < MIN_CONTRAST:
            # Rounded down, so a colour just below the limit never shows "4.5:1".
            shown = f"{int(ratio * 100) / 100:.2f}"
            raise ValidationError(message % {"colour": colour, "ratio": shown,
                                             "minimum": MIN_CONTRAST}, code="contrast")
    return colour


def clean_logo(upload) -> bytes:
    """The logo as the PNG bytes to store, or ``ValidationError`` saying what is wrong."""
    from PIL import Image, UnidentifiedImageError

    if upload.size > LOGO_MAX_BYTES:
        raise ValidationError(_("The logo is larger than %(kb)s KB.")
                              % {"kb": LOGO_MAX_BYTES // 1024}, code="size")
    data = upload.read()
    not_an_image = ValidationError(_("The logo must be a PNG or JPEG image."), code="type")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind, (width, height) = probe.format, probe.size
            if kind not in LOGO_FORMATS:
                raise not_an_image
            if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE:
                raise ValidationError(_("The logo may be at most %(px)s pixels wide and high.")
                                      % {"px": LOGO_MAX_SIDE}, code="dimensions")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image = image.convert("RGBA")
            if image.height > LOGO_STORED_HEIGHT:
                width = max(1, round(image.width * LOGO_STORED_HEIGHT / image.height))
                image = image.resize((width, LOGO_STORED_HEIGHT))
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise not_an_image from None
    return out.getvalue()


def update_branding(*, actor, organisation: Organisation, colour: str, welcome_text: str,
                    logo=None, remove_logo: bool = False) -> Organisation:
    """Save the organisation's colour, welcome text and (when given) logo, after the checks
    above. Organisation admins only (``access.ADMINISTER``)."""
    access.require(actor, access.ADMINISTER, organisation)
    colour = check_colour(colour)
    welcome_text = (welcome_text or "").strip()
    limit = Organisation._meta.get_field("welcome_text").max_length
    if len(welcome_text) > limit:
        raise ValidationError(_("The welcome text may be at most %(n)s characters.")
                              % {"n": limit}, code="welcome_length")
    png = clean_logo(logo) if logo else None
    old = organisation.logo.name if organisation.logo else ""
    with transaction.atomic():
        organisation.brand_colour = colour
        organisation.welcome_text = welcome_text
        fields = ["brand_colour", "welcome_text"]
        if png is not None:
            digest = hashlib.sha256(png).hexdigest()[:16]
            organisation.logo.save(f"{organisation.pk}-{digest}.png", ContentFile(png),
                                   save=False)
            fields.append("logo")
        elif remove_logo:
            organisation.logo = ""
            fields.append("logo")
        organisation.save(update_fields=fields)
        if old and old != (organisation.logo.name or ""):
            storage = organisation.logo.storage
            transaction.on_commit(lambda: storage.delete(old))
    return organisation


def logo_version(organisation: Organisation) -> str:
    """A part of the logo's URL that changes with the logo, so browsers may cache it."""
    name = organisation.logo.name or ""
    return name.rsplit("-", 1)[-1].removesuffix(".png") if name else ""
