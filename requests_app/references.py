"""Public identifiers that reveal nothing: random references and secret status tokens."""

import secrets

# Crockford's base-32 alphabet without I, L, O, U: no letters that read as digits or words.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS = (3, 4, 4)


def new_reference() -> str:
    """A reference such as ``K7Q-4MZP-2XWD``: 55 random bits, so it says nothing about how many
    requests an organisation gets or in which order they came, and cannot be guessed."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(n)) for n in GROUPS)


def normalise_reference(text: str) -> str:
    """Accept what people type: lower case, spaces, and O/I/L read as 0/1."""
    cleaned = text.strip().upper().replace(" ", "").replace("-", "")
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    parts, start = [], 0
    for n in GROUPS:
        parts.append(cleaned[start : start + n])
        start += n
    return "-".join(parts)


def parse_reference(text: str) -> str | None:
    """The reference ``text`` stands for, if it can be one (eleven characters of the alphabet
    once normalised), else None."""
    reference = normalise_reference(text)
    characters = reference.replace("-", "")
    if len(characters) != sum(GROUPS) or len(text.strip()) > 16:
        return None
    if any(character not in ALPHABET for character in characters):
        return None
    return reference


def new_token_salt() -> str:
    return secrets.token_hex(16)


def status_token(reference: str, salt: str) -> str:
    """The secret in a request's status-page link (256 bits).

    Derived with the server's key from the reference and a random per-request salt, and only
    its hash is stored: the database alone does not open any status page, while the portal
    can still put the link in a later e-mail ("there is news on your request").
    """
    from django.utils.crypto import salted_hmac

    return salted_hmac("requests_app.status-page", f"{reference}:{salt}",
                       algorithm="sha256").hexdigest()
