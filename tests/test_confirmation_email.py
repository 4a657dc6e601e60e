"""The confirmation e-mail goes to an address nobody has confirmed yet, so it carries nothing
the sender typed: a stranger could otherwise put a phishing text in the name field and have
the portal send it, in the organisation's name, to any address."""

from django.core import mail
from django.utils import translation

from requests_app.models import OutgoingEmail, RequestType

PHISHING = "Your account is blocked, log in at http://evil.example"


def _everything_sent(message) -> str:
    return "\n".join([message.subject, message.body,
                      *(body for body, _type in message.alternatives)])


def test_the_confirmation_email_does_not_repeat_the_typed_name_or_text(submit, org_no):
    submit(org_no, "rectification", subject_name=PHISHING,
           description=f"Description: {PHISHING}", what_is_wrong=f"Wrong: {PHISHING}",
           correct_value=f"Right: {PHISHING}")

    [message] = mail.outbox
    sent = _everything_sent(message)
    assert "evil.example" not in sent and "blocked" not in sent
    stored = OutgoingEmail.objects.get(kind="confirm")
    assert "evil.example" not in stored.body_text + stored.body_html + stored.subject


def test_the_confirmation_email_still_names_the_organisation_the_right_and_the_link(
        submit, org_no):
    submit(org_no, "erasure", language="nb")

    [message] = mail.outbox
    with translation.override("nb"):
        right = str(RequestType.ERASURE.label)
    for body in (message.body, message.alternatives[0][0]):
        assert org_no.name in body and right in body and "/nb/confirm/" in body
    assert 'lang="nb"' in message.alternatives[0][0]
