"""The public texts say what the law says (issue 12, item 12): the date on the status page and
in the receipt is the latest date, not the promised one (Art. 12(3): "without undue delay and in
any event within one month"); the text on portability names its conditions (consent or
contract) and the direct transfer (Art. 20(1)-(2)); the catalogues use the legal terms of each
country (nb "helligdag eller høytidsdag", "Svarfrist" for a due date, nb "Begrenset fram til",
da "Dine rettigheder efter databeskyttelsesreglerne").

The nb and da checks read the real catalogues: they fail until the catalogues carry the
corrected entries."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation

WITHOUT_UNDUE_DELAY = {
    "en": "Without undue delay and at the latest",
    "nb": "Uten ugrunnet opphold og senest",
    "da": "Uden unødig forsinkelse og senest",
}


def _in(language: str, msgid: str) -> str:
    with translation.override(language):
        return translation.gettext(msgid)


@pytest.mark.parametrize("language", ["en", "nb", "da"])
def test_the_status_page_says_without_undue_delay_and_at_the_latest_before_the_date(
        client, confirmed, language):
    subject_request, status_path = confirmed("access", language)

    html = client.get(status_path).content.decode()

    due = html.split('data-testid="due-date">', 1)[1].split("</span>", 1)[0]
    assert due.lower().startswith(WITHOUT_UNDUE_DELAY[language].lower())
    assert str(subject_request.due_date.year) in due


@pytest.mark.parametrize("language", ["en", "nb", "da"])
def test_the_receipt_says_without_undue_delay_and_at_the_latest_before_the_date(
        confirmed, language):
    confirmed("access", language)

    receipt = mail.outbox[-1]
    html = receipt.alternatives[0][0] if receipt.alternatives else ""
    for body in (receipt.body, html):
        assert WITHOUT_UNDUE_DELAY[language].lower() in body.lower()


def test_the_confirmation_page_promises_no_date_but_the_latest_one(client, submit, org_no):
    sent = submit(org_no, "access", "en")
    html = client.get(sent["Location"]).content.decode()

    assert "latest date for its answer" in html
    assert "without undue delay" in html


def test_the_portability_text_names_consent_contract_and_the_direct_transfer(client,
                                                                             org_no):
    html = client.get(f"/en/o/{org_no.slug}/").content.decode()

    portability = html.split("GDPR Article 20<", 1)[0].rsplit("<a ", 1)[-1]
    assert "consent" in portability and "contract" in portability
    assert "sent directly to another organisation" in portability


def test_the_norwegian_catalogue_names_holidays_as_the_law_does():
    # 17 May and 1 May are "høytidsdager" (helligdagsloven), not "helligdager".
    assert "helligdag eller høytidsdag" in _in("nb", "a public holiday (%(name)s)")


@pytest.mark.parametrize("language", ["nb", "da"])
def test_a_due_date_is_a_svarfrist_not_a_forfall(language):
    for msgid in ("Due", "Due %(date)s", "Due date"):
        text = _in(language, msgid)
        assert text.startswith("Svarfrist"), (msgid, text)
        assert "orfal" not in text


def test_a_restriction_lasts_fram_til_its_end_date_in_norwegian():
    assert _in("nb", "Restricted until") == "Begrenset fram til"
    assert _in("nb", "restricted until") == "begrenset fram til"


def test_the_danish_heading_names_the_data_protection_rules():
    assert _in("da", "Your privacy rights") == "Dine rettigheder efter databeskyttelsesreglerne"
