"""The shared reply templates every organisation starts with (organisation = NULL).

Staff pick one, edit it, and send; an organisation may add its own beside them. Placeholders
are filled by ``replies.render``. Refusals get the complaint paragraph (Art. 12(4))
appended by ``workflow.refuse``, and forwardings the paragraph that says to whom, how and
when the request was sent (``workflow.forwarding_paragraph``), so these texts repeat
neither: a template cannot know whether the request was really sent on.
"""

DEFAULTS = [
    # (outcome, language, name, body)
    ("information_request", "nb", "Bekreft identiteten din",
     "Hei {name},\n\nVi har mottatt forespørselen din ({reference}). Før vi kan utlevere eller "
     "endre opplysninger, må vi være sikre på at det er deg (personvernforordningen artikkel 12 "
     "nr. 6). Svar på denne meldingen med opplysninger som bekrefter hvem du er, for eksempel "
     "kundenummeret ditt eller telefonnummeret du er registrert med hos {organisation}.\n\n"
     "Vennlig hilsen\n{organisation}"),
    ("information_request", "da", "Bekræft din identitet",
     "Hej {name},\n\nVi har modtaget din anmodning ({reference}). Før vi kan udlevere eller "
     "ændre oplysninger, skal vi være sikre på, at det er dig (databeskyttelsesforordningens "
     "artikel 12, stk. 6). Svar på denne besked med oplysninger, der bekræfter, hvem du er, "
     "for eksempel dit kundenummer eller det telefonnummer, du er registreret med hos "
     "{organisation}.\n\nMed venlig hilsen\n{organisation}"),
    ("information_request", "en", "Confirm your identity",
     "Hello {name},\n\nWe have received your request ({reference}). Before we can disclose or "
     "change any data we must be sure that it is you (GDPR Article 12(6)). Please answer this "
     "message with details that confirm who you are, for example your customer number or the "
     "phone number you are registered with at {organisation}.\n\nKind regards\n{organisation}"),
    ("completed", "nb", "Forespørselen er behandlet",
     "Hei {name},\n\nVi har behandlet forespørselen din ({reference}) om {type}, mottatt "
     "{received_date}. [Beskriv hva som er gjort, i hvilke systemer.]\n\nVennlig hilsen\n"
     "{organisation}"),
    ("completed", "da", "Anmodningen er behandlet",
     "Hej {name},\n\nVi har behandlet din anmodning ({reference}) om {type}, modtaget "
     "{received_date}. [Beskriv, hvad der er gjort, i hvilke systemer.]\n\nMed venlig hilsen\n"
     "{organisation}"),
    ("completed", "en", "Your request has been dealt with",
     "Hello {name},\n\nWe have dealt with your request ({reference}) for {type}, received "
     "{received_date}. [Describe what was done, in which systems.]\n\nKind regards\n"
     "{organisation}"),
    ("refused", "nb", "Forespørselen avslås",
     "Hei {name},\n\nVi kan dessverre ikke etterkomme forespørselen din ({reference}). "
     "[Begrunnelse, med henvisning til rettslig grunnlag.]\n\nVennlig hilsen\n{organisation}"),
    ("refused", "da", "Anmodningen afvises",
     "Hej {name},\n\nVi kan desværre ikke imødekomme din anmodning ({reference}). "
     "[Begrundelse med henvisning til retsgrundlaget.]\n\nMed venlig hilsen\n{organisation}"),
    ("refused", "en", "Your request is refused",
     "Hello {name},\n\nUnfortunately we cannot comply with your request ({reference}). "
     "[Reasons, naming the legal ground.]\n\nKind regards\n{organisation}"),
    ("partly_refused", "nb", "Forespørselen er delvis etterkommet",
     "Hei {name},\n\nVi har etterkommet deler av forespørselen din ({reference}): [hva som er "
     "gjort]. Resten kan vi ikke etterkomme: [begrunnelse og rettslig grunnlag].\n\n"
     "Vennlig hilsen\n{organisation}"),
    ("partly_refused", "da", "Anmodningen er delvist imødekommet",
     "Hej {name},\n\nVi har imødekommet en del af din anmodning ({reference}): [hvad der er "
     "gjort]. Resten kan vi ikke imødekomme: [begrundelse og retsgrundlag].\n\n"
     "Med venlig hilsen\n{organisation}"),
    ("partly_refused", "en", "Your request is partly granted",
     "Hello {name},\n\nWe have granted part of your request ({reference}): [what was done]. "
     "We cannot comply with the rest: [reasons and legal ground].\n\nKind regards\n"
     "{organisation}"),
    ("forwarded", "nb", "Henvendelsen gjelder en av våre kunder",
     "Hei {name},\n\n{organisation} behandler disse opplysningene på vegne av en kunde, som er "
     "behandlingsansvarlig. Det er kunden som avgjør og svarer på forespørselen din "
     "({reference}). Nedenfor står hvem vi har sendt den til, og når.\n\n"
     "Vennlig hilsen\n{organisation}"),
    ("forwarded", "da", "Henvendelsen vedrører en af vores kunder",
     "Hej {name},\n\n{organisation} behandler disse oplysninger på vegne af en kunde, som er "
     "dataansvarlig. Det er kunden, der træffer afgørelse om og besvarer din anmodning "
     "({reference}). Nedenfor står, hvem vi har sendt den til, og hvornår.\n\n"
     "Med venlig hilsen\n{organisation}"),
    ("forwarded", "en", "Your request concerns one of our customers",
     "Hello {name},\n\n{organisation} processes this data on behalf of a customer, who is the "
     "controller. It is the customer who decides on and answers your request ({reference}). "
     "Below is whom we sent it to, and when.\n\nKind regards\n{organisation}"),
]


def install(reply_template_model) -> int:
    """Create the shared templates that do not exist yet; returns how many were created."""
    created = 0
    for outcome, language, name, body in DEFAULTS:
        _, new = reply_template_model.objects.get_or_create(
            organisation=None, outcome=outcome, language=language, request_type="",
            name=name, defaults={"body": body})
        created += new
    return created
