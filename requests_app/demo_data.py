"""Demo organisations, taken from the public privacy policies in ``shared/seeds``.

Contact details and systems are what each policy states; nothing is invented beyond the
relationship codes that say whose data a system holds.
"""

C, U, N, J, E, V, W = ("customer", "service_user", "newsletter", "job_applicant", "employee",
                       "visitor", "website_visitor")

ORGANISATIONS = [
    {
        "slug": "onlinepos-no", "name": "OnlinePOS (Norge)", "country": "NO",
        "default_language": "nb", "time_zone": "Europe/Oslo",
        "contact_email": "info@onlinepos.no", "phone": "", "postal_address": "",
        "supervisory_authority": "datatilsynet-no",
        "intro": "OnlinePOS lover innsyn, retting, sletting, protest og tilbaketrekking av "
                 "samtykke. Her kan du bruke rettighetene dine direkte.",
        "systems": [
            ("Freshdesk", "Kontaktopplysninger og henvendelser fra skjemaet «Bli kontaktet av oss»",
             [C, U, W], "Til saken er avsluttet"),
            ("HubSpot", "CRM: kontaktopplysninger, nyhetsbrev", [C, N, W],
             "Så lenge det er nødvendig"),
            ("Office 365", "Jobbsøknader (navn, telefon, e-post, søknad, CV)", [J],
             "Inntil 3 måneder, lenger kun med samtykke"),
            ("Firmafonen (Relatel)", "Telefonhenvendelser", [C, U], "Etter leverandørens vilkår"),
        ],
    },
    {
        "slug": "onlinepos-dk", "name": "OnlinePOS (Danmark)", "country": "DK",
        "default_language": "da", "time_zone": "Europe/Copenhagen",
        "contact_email": "info@onlinepos.dk", "phone": "", "postal_address": "",
        "supervisory_authority": "datatilsynet-dk",
        "intro": "OnlinePOS giver dig ret til indsigt, berigtigelse, sletning, indsigelse og "
                 "tilbagetrækning af samtykke. Her kan du bruge dine rettigheder direkte.",
        "systems": [
            ("Zendesk", "Kontaktoplysninger og henvendelser fra kontaktformularen", [C, U, W],
             "Indtil sagen er afsluttet"),
            ("Pipedrive", "CRM: kunders kontaktoplysninger", [C], "Så længe kundeforholdet løber"),
            ("Office 365", "Mails og jobansøgninger (navn, telefon, mail, ansøgning, CV)", [C, J],
             "Jobansøgninger op til 3 måneder"),
            ("Firmafonen", "Telefonhenvendelser", [C, U], "Efter leverandørens vilkår"),
        ],
    },
    {
        "slug": "poweroffice", "name": "PowerOffice", "country": "NO",
        "default_language": "nb", "time_zone": "Europe/Oslo",
        "contact_email": "firmapost@poweroffice.no", "phone": "755 00 670",
        "postal_address": "Postboks 404, 8001 Bodø",
        "supervisory_authority": "datatilsynet-no",
        "intro": "PowerOffice sletter opplysninger på forespørsel til kundesenteret. Her kan du "
                 "sende forespørselen og følge den.",
        "systems": [
            ("PowerOffice Go", "Brukerprofiler og kontaktinformasjon", [C, U],
             "Så lenge tjenesteavtalen løper"),
            ("PowerOffice WIN", "Brukerprofiler og kontaktinformasjon", [C, U],
             "Så lenge tjenesteavtalen løper"),
            ("Go Mobile", "Bilder, reiser og bilag lastet opp", [U], "Slettes etter 3 måneder"),
            ("Nyhetsbrev og kurs", "Kontaktinformasjon for nyhetsbrev og kursinvitasjoner", [N],
             "Til du melder deg av"),
            ("Kundesenteret (e-post)", "Henvendelser til kundesenteret", [C, U, "other"],
             "Så lenge det er nødvendig"),
        ],
    },
    {
        "slug": "entrack", "name": "Entrack AS", "country": "NO",
        "default_language": "nb", "time_zone": "Europe/Oslo",
        "contact_email": "firmapost@entrack.no", "phone": "", "postal_address": "",
        "supervisory_authority": "datatilsynet-no",
        "intro": "Entrack AS gir deg rett til innsyn, dataportabilitet, retting, sletting, "
                 "begrensning og protest, og du kan klage til Datatilsynet.",
        "systems": [
            ("Kunde- og salgssystem", "Kontaktopplysninger for kunder og leverandører", [C, U],
             "En rimelig periode etter siste samhandling"),
            ("Personal og lønn", "Jobbsøkere og ansatte (administrasjon og lønnsavdeling)",
             [J, E], "Ikke etter at ansettelsen eller søknaden er avsluttet"),
            ("Kameraovervåking", "Videoopptak av besøkende i lokalene", [V],
             "Etter reglene for kameraovervåking"),
        ],
    },
    {
        "slug": "postrek", "name": "Post & Reklameservice AS", "country": "NO",
        "default_language": "nb", "time_zone": "Europe/Oslo",
        "contact_email": "post@postrek.no", "phone": "73 96 38 10",
        "postal_address": "Fossegrenda 36, 7038 Trondheim",
        "supervisory_authority": "datatilsynet-no", "acts_mostly_as_processor": True,
        "intro": "Post & Reklameservice behandler mest personopplysninger på vegne av kundene "
                 "sine. Gjelder forespørselen opplysninger en kunde har om deg, sender vi den "
                 "videre eller sier hvem du skal kontakte.",
        "systems": [
            ("Kundedata (som databehandler)", "Data behandlet på vegne av kunder", ["other"],
             "Normalt 2 måneder, inntil 6 måneder"),
            ("Kunde- og brukeradministrasjon", "Kundekontakter og brukere", [C, U],
             "Normalt 2 måneder, inntil 6 måneder"),
            ("Google Analytics", "Bruk av nettsidene", [W], "Etter leverandørens vilkår"),
        ],
    },
]
