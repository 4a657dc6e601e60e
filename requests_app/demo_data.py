"""Demo organisations, taken from the public privacy policies in ``shared/seeds``.

Contact details and systems are what each policy states; nothing is invented beyond the
relationship codes that say whose data a system holds, and how long the portal keeps a closed
request's personal data (``retention_days``: shorter than the three-year default, so the
demo's year of requests, ``management/demo_history.py``, shows purged ones too). Where a
policy describes processing without naming the system (a newsletter, photos, paper files,
cookies), the system is named after what it holds.
"""

C, U, N, J, E, V, W, OTHER = ("customer", "service_user", "newsletter", "job_applicant",
                              "employee", "visitor", "website_visitor", "other")

ORGANISATIONS = [
    {
        "slug": "onlinepos-no", "name": "OnlinePOS (Norge)", "country": "NO",
        "default_language": "nb", "time_zone": "Europe/Oslo",
        "contact_email": "info@onlinepos.no", "phone": "", "postal_address": "",
        "supervisory_authority": "datatilsynet-no",
        "retention_days": 270,
        "intro": "OnlinePOS lover innsyn, retting, sletting, protest og tilbaketrekking av "
                 "samtykke. Her kan du bruke rettighetene dine direkte.",
        "systems": [
            ("Freshdesk", "Kontaktopplysninger og henvendelser fra skjemaet «Bli kontaktet av oss»",
             [C, U, W], "Til saken er avsluttet"),
            ("HubSpot", "CRM: kontaktopplysninger fra skjemaene på nettsiden", [C, U, W],
             "Så lenge loven tillater og opplysningene er nødvendige"),
            ("OnlinePOS Backoffice",
             "Innlogging (kundenummer, brukernavn, passord); kundens egne data behandles etter "
             "databehandleravtalen", [C, U], "Etter databehandleravtalen"),
            ("Nyhetsbrev", "Mottakerne av nyhetsbrevet (politikken sier ikke hvilket verktøy "
             "som sender det)", [N], "Så lenge loven tillater og opplysningene er nødvendige"),
            ("Office 365", "Jobbsøknader (navn, telefon, e-post, søknad, CV)", [J],
             "Inntil 3 måneder, lenger kun med samtykke"),
            ("Jobbsøknader på papir", "Søknader oppbevart fysisk, bare etter forhåndsgodkjennelse "
             "fra søkeren", [J], "Så lenge søkerens samtykke gjelder"),
            ("Bilder", "Bilder av kunder og inventar", [C], "Politikken oppgir ingen periode"),
            ("Firmafonen (Relatel)", "Telefonhenvendelser", [C, U], "Etter leverandørens vilkår"),
            ("Informasjonskapsler (nettsiden)", "Unik ID, IP-adresse, enhet, plassering og klikk "
             "på nettsiden", [W], "Så lenge loven tillater og opplysningene er nødvendige"),
        ],
    },
    {
        "slug": "onlinepos-dk", "name": "OnlinePOS (Danmark)", "country": "DK",
        "default_language": "da", "time_zone": "Europe/Copenhagen",
        "contact_email": "info@onlinepos.dk", "phone": "", "postal_address": "",
        "supervisory_authority": "datatilsynet-dk",
        "retention_days": 180,
        "intro": "OnlinePOS giver dig ret til indsigt, berigtigelse, sletning, indsigelse og "
                 "tilbagetrækning af samtykke. Her kan du bruge dine rettigheder direkte.",
        "systems": [
            ("Zendesk", "Kontaktoplysninger og henvendelser fra kontaktformularen", [C, U, W],
             "Indtil sagen er afsluttet"),
            ("Pipedrive", "CRM: kunders kontaktoplysninger", [C],
             "I det tidsrum, lovgivningen tillader, og så længe de er nødvendige"),
            ("OnlinePOS Backoffice",
             "Login (kundenummer, brugernavn, password); kundens egne data behandles efter "
             "databehandleraftalen", [C, U], "Efter databehandleraftalen"),
            ("Nyhedsbrev", "Modtagerne af nyhedsbrevet (politikken nævner ikke, hvilket værktøj "
             "der sender det)", [N], "I det tidsrum, lovgivningen tillader"),
            ("Office 365", "Mails og jobansøgninger (navn, telefon, mail, ansøgning, CV)", [C, J],
             "Jobansøgninger op til 3 måneder"),
            ("Jobansøgninger på papir", "Ansøgninger opbevaret fysisk, kun efter forudgående "
             "accept fra ansøgeren", [J], "Så længe ansøgerens samtykke gælder"),
            ("Billeder", "Billeder af kunder og inventar", [C], "Politikken angiver ingen periode"),
            ("Firmafonen", "Telefonhenvendelser", [C, U], "Efter leverandørens vilkår"),
            ("Cookies (websitet)", "Unikt ID, IP-nummer, enhed, browser, placering og klik på "
             "websitet", [W], "I det tidsrum, lovgivningen tillader"),
        ],
    },
    {
        "slug": "poweroffice", "name": "PowerOffice", "country": "NO",
        "default_language": "nb", "time_zone": "Europe/Oslo",
        "contact_email": "firmapost@poweroffice.no", "phone": "755 00 670",
        "postal_address": "Postboks 404, 8001 Bodø",
        "supervisory_authority": "datatilsynet-no",
        "retention_days": 270,
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
            ("Kundesenteret (e-post)", "Henvendelser til kundesenteret", [C, U, OTHER],
             "Så lenge det er nødvendig"),
            # PowerOffice is also a processor: the accounting its customers keep in Go and WIN
            # is theirs (Art. 28). No record of processing of its own describes it, so an
            # access package is not built from it: the request goes to the customer.
            ("Kundenes regnskapsdata (som databehandler)",
             "Regnskap og lønn kundene fører om sine kunder, leverandører og ansatte", [OTHER],
             "Etter databehandleravtalen med kunden"),
            ("Nettstedene (informasjonskapsler og pikseltags)",
             "Enhet, nettleser, IP-adresse og bruk av poweroffice.no og poweroffice.net", [W],
             "Til neste besøk"),
        ],
    },
    {
        "slug": "entrack", "name": "Entrack AS", "country": "NO",
        "default_language": "nb", "time_zone": "Europe/Oslo",
        "contact_email": "firmapost@entrack.no", "phone": "", "postal_address": "",
        "supervisory_authority": "datatilsynet-no",
        "retention_days": 180,
        "intro": "Entrack AS gir deg rett til innsyn, dataportabilitet, retting, sletting, "
                 "begrensning og protest, og du kan klage til Datatilsynet.",
        "systems": [
            ("Kunde- og salgssystem", "Kontaktopplysninger for kunder og leverandører", [C, U],
             "En rimelig periode etter siste samhandling"),
            ("Personal og lønn", "Jobbsøkere og ansatte (administrasjon og lønnsavdeling)",
             [J, E], "Ikke etter at ansettelsen eller søknaden er avsluttet"),
            ("Safe (papirarkiv)", "Papirdokumenter om jobbsøkere og ansatte; nøkkelen har bare "
             "økonomisjefen", [J, E], "Ikke etter at ansettelsen eller søknaden er avsluttet"),
            ("Kameraovervåking", "Videoopptak av besøkende og ansatte i lokalene", [V, E],
             "Slettes senest sju dager etter opptak"),
            ("Facebook-piksel (entrack.no)", "Besøk på entrack.no, meldt til Facebook", [W],
             "Etter Metas vilkår"),
        ],
    },
    {
        "slug": "postrek", "name": "Post & Reklameservice AS", "country": "NO",
        "default_language": "nb", "time_zone": "Europe/Oslo",
        "contact_email": "post@postrek.no", "phone": "73 96 38 10",
        "postal_address": "Fossegrenda 36, 7038 Trondheim",
        "supervisory_authority": "datatilsynet-no", "acts_mostly_as_processor": True,
        "retention_days": 180,
        "intro": "Post & Reklameservice behandler mest personopplysninger på vegne av kundene "
                 "sine. Gjelder forespørselen opplysninger en kunde har om deg, sender vi den "
                 "videre eller sier hvem du skal kontakte.",
        "systems": [
            # The policy's "normally 2 months, at most 6" is about this processor work.
            ("Kundedata (som databehandler)", "Data behandlet på vegne av kunder", [OTHER],
             "Normalt 2 måneder, inntil 6 måneder"),
            ("Kunde- og brukeradministrasjon", "Kundekontakter, brukere, bestillinger og "
             "fakturaer", [C, U], "En rimelig periode etter siste samhandling; "
             "regnskapsmateriale 5 år (bokføringsloven)"),
            ("Google Analytics", "Bruk av nettsidene", [W], "Inntil 14 måneder"),
        ],
    },
]


# --- Records of processing (Art. 30(1)) ------------------------------------------------------
#
# Per organisation, the processing activities its policy describes, in the policy's language.
# The access cover (``delivery.cover``) states only what these say, so each of recipients,
# transfers, source and automated decisions is either written out or explicitly "none"
# (``no_recipients``, ``no_transfers``, ``source_is_subject``, ``no_automated_decisions``):
#
# - "none" only where the policy says so, or where it is silent on something Art. 13(1)(e)-(f)
#   and 13(2)(f) oblige it to tell (no recipient, transfer or automated decision mentioned)
#   and nothing in the record points the other way;
# - left undecided (neither) where the record points to something the policy does not name:
#   the newsletter tool of OnlinePOS DK, the third parties on OnlinePOS NO's cookie page, the
#   use of customer photos, PowerOffice's pixel tags. Staff see it flagged, and no access
#   package is built from such a record until it is settled;
# - a legal basis the policy states but that does not hold is replaced by the better one, and
#   ``note`` (staff only) says what the policy says.

NO_PROCESSORS = ("Databehandlere som lagrer og behandler opplysningene på våre vegne og ikke har "
                 "lov til å bruke dem til egne formål.")
NO_TRANSFERS = ("Vi bruker bare databehandlere i EU eller i land som kan gi opplysningene dine "
                "tilstrekkelig beskyttelse.")
NO_RETENTION = ("Så lenge loven tillater og opplysningene er nødvendige; deretter slettes de. "
                "Perioden avhenger av opplysningenes art og grunnlaget for oppbevaringen.")
DK_PROCESSORS = ("Databehandlere, der opbevarer og behandler oplysningerne på vores vegne og ikke "
                 "må anvende dem til egne formål.")
DK_TRANSFERS = ("Vi anvender kun databehandlere i EU eller i lande, der kan give dine "
                "oplysninger en tilstrækkelig beskyttelse.")
DK_RETENTION = ("I det tidsrum, lovgivningen tillader, og så længe oplysningerne er nødvendige; "
                "derefter slettes de. Perioden afhænger af oplysningens karakter og baggrunden "
                "for opbevaringen.")
PO_PROCESSORS = ("Leverandører som behandler opplysningene etter en databehandleravtale som ledd "
                 "i produksjonen av tjenesten. Offentlig myndighet når PowerOffice er rettslig "
                 "forpliktet til å utlevere opplysningene (rettsavgjørelse, lov eller forskrift). "
                 "PowerOffice selger ikke personopplysninger.")
DPF_NO = ("er sertifisert under EU–US Data Privacy Framework, som EU-kommisjonen 10. juli 2023 "
          "fant at gir tilstrekkelig beskyttelse (art. 45).")
DPF_DK = ("er certificeret under EU-US Data Privacy Framework, som Europa-Kommissionen den 10. "
          "juli 2023 fandt giver et tilstrækkeligt beskyttelsesniveau (art. 45).")

#: The statements of a record made from the person only, with nothing decided automatically.
FROM_YOU = {"source_is_subject": True, "no_automated_decisions": True}

RECORDS = {
    "onlinepos-no": [
        {
            "name": "Henvendelser via kontaktskjema",
            "purposes": "Opprette kontakt med deg for å løse en spesifikk problemstilling, "
                        "håndtere en konkret henvendelse eller utføre en spesifikk oppgave, når "
                        "du fyller ut «Bli kontaktet av oss» eller sender oss en henvendelse.",
            "legal_basis": "legitimate_interests",
            "legitimate_interests": "Å kunne svare på og følge opp henvendelsen du selv har "
                                    "sendt oss.",
            "data_categories": "Navn, telefonnummer, e-post, firmanavn og innholdet i "
                               "henvendelsen.",
            "relationships": [C, U, W],
            "recipients": "Freshdesk og HubSpot, som behandler opplysningene på våre vegne og "
                          "ikke kan bruke dem til egne formål. Internt kan henvendelsen gå "
                          "videre til en annen ansatt hos OnlinePOS.",
            "transfers": NO_TRANSFERS,
            "retention": "Til saken er avsluttet hos oss; da slettes e-posten eller "
                         "opplysningene.",
            **FROM_YOU,
            "systems": ["Freshdesk", "HubSpot"],
            "note": "Politikken sier at navn, telefonnummer, e-post og firmanavn behandles «i "
                    "den grad du gir uttrykkelig samtykke». Å svare på en henvendelse den "
                    "registrerte selv har sendt, hviler bedre på berettiget interesse "
                    "(art. 6(1)(f)): et samtykke kunne trekkes tilbake midt i saken.",
        },
        {
            "name": "Kunderegister (CRM)",
            "purposes": "Sikre kontakten med deg og kunne utføre den nødvendige og etterspurte "
                        "tjenesten overfor kunden.",
            "legal_basis": "legitimate_interests",
            "legitimate_interests": "Å holde kontakt med kundenes kontaktpersoner og levere "
                                    "tjenesten kunden har bestilt.",
            "data_categories": "Kontaktopplysninger: navn, telefonnummer, selskap og e-post.",
            "relationships": [C],
            "recipients": "Freshdesk og HubSpot, som behandler opplysningene på våre vegne og "
                          "ikke kan bruke dem til egne formål.",
            "transfers": NO_TRANSFERS,
            "retention": NO_RETENTION,
            **FROM_YOU,
            "systems": ["Freshdesk", "HubSpot"],
            "note": "Politikken oppgir ikke grunnlaget. Kundene er virksomheter, og "
                    "kontaktpersonene deres er ikke selv part i avtalen, så avtale "
                    "(art. 6(1)(b)) passer bare for enkeltpersonforetak; berettiget interesse "
                    "er oppført. Politikken sier at en egen databehandleravtale trer i kraft "
                    "når opplysningene brukes i kundekartoteket.",
        },
        {
            "name": "Innlogging i OnlinePOS Backoffice",
            "purposes": "Gi kundens brukere tilgang til OnlinePOS Backoffice.",
            "legal_basis": "legitimate_interests",
            "legitimate_interests": "Å gi brukerne hos kunden sikker tilgang til Backoffice, "
                                    "som kunden har avtale om.",
            "data_categories": "Kundenummer, brukernavn og passord.",
            "relationships": [C, U],
            "recipients": NO_PROCESSORS,
            "transfers": NO_TRANSFERS,
            "retention": NO_RETENTION,
            **FROM_YOU,
            "systems": ["OnlinePOS Backoffice"],
            "note": "Politikken viser til databehandleravtalen for hvordan data behandles og "
                    "lagres i Backoffice: det kunden legger inn der, behandler OnlinePOS som "
                    "databehandler for kunden (art. 28), og en forespørsel om det går til "
                    "kunden. Bare innloggingen er OnlinePOS' egen behandling.",
        },
        {
            "name": "Nyhetsbrev og oppdateringer",
            "purposes": "Sende deg OnlinePOS' nyhetsbrev og oppdateringer.",
            "legal_basis": "consent",
            "data_categories": "Navn, e-post og firmanavn.",
            "relationships": [N],
            "recipients": NO_PROCESSORS,
            "transfers": NO_TRANSFERS,
            "retention": NO_RETENTION + " Du kan når som helst melde deg av nyhetsbrevet.",
            **FROM_YOU,
            "systems": ["Nyhetsbrev"],
            "note": "Politikken sier ikke hvilket system som sender nyhetsbrevet eller hvor "
                    "lenge opplysningene lagres; demoen antok tidligere HubSpot og «til du "
                    "melder deg av». Navngi verktøyet blant mottakerne når det er kjent.",
        },
        {
            "name": "Jobbsøknader",
            "purposes": "Gjennomføre søknadsprosesser: søknader til ledige stillinger og åpne "
                        "søknader sendt via den nettbaserte søknadsfunksjonen.",
            "legal_basis": "contract",
            "data_categories": "Navn, telefonnummer, e-post, søknad og CV.",
            "relationships": [J],
            "recipients": "Office 365, som behandler opplysningene på våre vegne.",
            "transfers": NO_TRANSFERS,
            "retention": "Inntil 3 måneder, deretter slettes søknaden.",
            **FROM_YOU,
            "systems": ["Office 365"],
            "note": "Tiltak søkeren ber om før en eventuell arbeidsavtale (art. 6(1)(b)). "
                    "Oppbevaring ut over 3 måneder og på papir bygger på samtykke: egne "
                    "behandlinger.",
        },
        {
            "name": "Jobbsøknader oppbevart ut over 3 måneder",
            "purposes": "Ta vare på søknaden din lenger enn 3 måneder, når du har gitt "
                        "tillatelse til det.",
            "legal_basis": "consent",
            "data_categories": "Navn, telefonnummer, e-post, søknad og CV.",
            "relationships": [J],
            "recipients": "Office 365, som behandler opplysningene på våre vegne.",
            "transfers": NO_TRANSFERS,
            "retention": "Så lenge samtykket ditt gjelder; du kan trekke det tilbake når som "
                         "helst.",
            **FROM_YOU,
            "systems": ["Office 365"],
            "note": "Politikken: «Det innhentes alltid tillatelse for oppbevaring av "
                    "personopplysninger ut over 3 måneder.»",
        },
        {
            "name": "Jobbsøknader på papir",
            "purposes": "Oppbevare søknaden din fysisk, bare etter forhåndsgodkjennelse fra "
                        "deg.",
            "legal_basis": "consent",
            "data_categories": "Søknad og CV på papir.",
            "relationships": [J],
            "no_recipients": True,
            "no_transfers": True,
            "retention": "Så lenge samtykket ditt gjelder; du kan trekke det tilbake når som "
                         "helst.",
            **FROM_YOU,
            "systems": ["Jobbsøknader på papir"],
            "note": "Politikken: «Fysisk oppbevaring av jobbsøknader skjer bare etter "
                    "forhåndsgodkjennelse fra søkeren.»",
        },
        {
            "name": "Bilder av kunder",
            "purposes": "Bruke bilder av kunder og inventar, bare etter forhåndsgodkjennelse.",
            "legal_basis": "consent",
            "data_categories": "Bilder av deg og inventaret ditt.",
            "relationships": [C],
            "retention": "Så lenge samtykket ditt gjelder; du kan trekke det tilbake når som "
                         "helst.",
            **FROM_YOU,
            "systems": ["Bilder"],
            "note": "Politikken: bilder av kunder og inventar brukes aldri uten "
                    "forhåndsgodkjennelse, unntatt situasjonsbilder (egen behandling). Den sier "
                    "ikke hvor bildene brukes: mottakere og overføringer er ikke avklart.",
        },
        {
            "name": "Situasjonsbilder",
            "purposes": "Bruke situasjonsbilder der kunder eller inventar er med, uten "
                        "forhåndsgodkjennelse.",
            "legal_basis": "legitimate_interests",
            "legitimate_interests": "Å vise OnlinePOS i bruk.",
            "data_categories": "Bilder der du kan være med.",
            "relationships": [C],
            "retention": NO_RETENTION,
            **FROM_YOU,
            "systems": ["Bilder"],
            "note": "Politikken unntar situasjonsbilder fra kravet om forhåndsgodkjennelse; "
                    "grunnlaget er da berettiget interesse, med protestrett. Den sier ikke hvor "
                    "bildene brukes: mottakere og overføringer er ikke avklart.",
        },
        {
            "name": "Telefonhenvendelser",
            "purposes": "Kontakt per telefon når du ringer oss eller ber om å bli oppringt.",
            "legal_basis": "legitimate_interests",
            "legitimate_interests": "Å kunne svare på og følge opp henvendelser fra kunder per "
                                    "telefon.",
            "data_categories": "Telefonnummer, navn og opplysninger om samtalen.",
            "relationships": [C, U],
            "recipients": "Relatel (Firmafonen), vår leverandør av bedriftstelefoni.",
            "transfers": NO_TRANSFERS,
            "retention": "Etter Relatels personvern- og databeskyttelsespolitikk.",
            **FROM_YOU,
            "systems": ["Firmafonen (Relatel)"],
        },
        {
            "name": "Bruk av nettsiden (informasjonskapsler)",
            "purposes": "Gjøre nettsiden og tjenestene lettere å bruke, måle trafikkmønstre, "
                        "tilpasse innholdet til deg og forbedre tjenestene og informasjonen "
                        "vår.",
            "legal_basis": "consent",
            "data_categories": "En unik ID, IP-adressen din, tekniske opplysninger om "
                               "datamaskinen, nettbrettet eller mobiltelefonen, geografisk "
                               "plassering og hvilke sider og knapper du klikker på "
                               "(interesser).",
            "relationships": [W],
            "recipients": "Tredjepartene som er oppført på siden «Cookies».",
            "retention": NO_RETENTION,
            "source_is_subject": True,
            "automated_decisions": "Profilering: opplysningene om hvilke sider og knapper du "
                                   "klikker på kan sammenlignes med personopplysningene dine "
                                   "for å forstå behovene dine og tilpasse innholdet på "
                                   "nettsiden.",
            "systems": ["Informasjonskapsler (nettsiden)"],
            "note": "Samtykke: nettsiden lar deg akseptere eller avvise informasjonskapsler. "
                    "Tredjepartene står på siden «Cookies», som ikke er en del av politikken: "
                    "overføringer er ikke avklart; fyll dem inn med garantiene derfra.",
        },
    ],
    "onlinepos-dk": [
        {
            "name": "Henvendelser via kontaktformularen",
            "purposes": "Etablere kontakt til dig for at løse en konkret problemstilling, "
                        "håndtere en konkret forespørgsel eller udføre en konkret opgave, når du "
                        "udfylder «Bliv kontaktet af os» eller skriver til os.",
            "legal_basis": "legitimate_interests",
            "legitimate_interests": "At kunne besvare og følge op på den henvendelse, du selv "
                                    "har sendt os.",
            "data_categories": "Navn, telefonnummer, mail, virksomhed og indholdet af "
                               "henvendelsen.",
            "relationships": [C, U, W],
            "recipients": "Zendesk og Office 365, der behandler oplysningerne på vores vegne og "
                          "ikke må anvende dem til egne formål. Internt kan henvendelsen gå "
                          "videre til en anden medarbejder i OnlinePOS.",
            "transfers": DK_TRANSFERS,
            "retention": "Indtil sagen er afsluttet hos os; så slettes mailen eller "
                         "oplysningerne.",
            **FROM_YOU,
            "systems": ["Zendesk", "Office 365"],
            "note": "Politikken siger, at navn, telefonnummer, mail og firmanavn behandles «i "
                    "det omfang du selv giver eksplicit samtykke». At besvare en henvendelse, "
                    "den registrerede selv har sendt, hviler bedre på legitim interesse "
                    "(art. 6, stk. 1, litra f): et samtykke kunne trækkes tilbage midt i sagen.",
        },
        {
            "name": "Kundekartotek (CRM)",
            "purposes": "Sikre kontakten til dig og kunne udføre den fornødne og efterspurgte "
                        "service over for kunden.",
            "legal_basis": "legitimate_interests",
            "legitimate_interests": "At holde kontakt med kundernes kontaktpersoner og levere "
                                    "den service, kunden har bestilt.",
            "data_categories": "Kontaktoplysninger: navn, telefonnummer, virksomhed og mail.",
            "relationships": [C],
            "recipients": "Pipedrive, der behandler oplysningerne på vores vegne og ikke må "
                          "anvende dem til egne formål.",
            "transfers": DK_TRANSFERS,
            "retention": DK_RETENTION,
            **FROM_YOU,
            "systems": ["Pipedrive"],
            "note": "Politikken angiver ikke grundlaget og ingen periode for Pipedrive (demoens "
                    "«så længe kundeforholdet løber» stod ikke i den). Kunderne er "
                    "virksomheder, og deres kontaktpersoner er ikke selv part i aftalen, så "
                    "kontrakt (art. 6, stk. 1, litra b) passer kun for enkeltmandsvirksomheder.",
        },
        {
            "name": "Login i OnlinePOS Backoffice",
            "purposes": "Give kundens brugere adgang til OnlinePOS Backoffice.",
            "legal_basis": "legitimate_interests",
            "legitimate_interests": "At give brugerne hos kunden sikker adgang til Backoffice, "
                                    "som kunden har aftale om.",
            "data_categories": "Kundenummer, brugernavn og password.",
            "relationships": [C, U],
            "recipients": DK_PROCESSORS,
            "transfers": DK_TRANSFERS,
            "retention": DK_RETENTION,
            **FROM_YOU,
            "systems": ["OnlinePOS Backoffice"],
            "note": "Politikken henviser til databehandleraftalen for, hvordan data behandles og "
                    "opbevares i Backoffice: det, kunden lægger ind, behandler OnlinePOS som "
                    "databehandler for kunden (art. 28), og en anmodning om det går til "
                    "kunden. Kun login er OnlinePOS' egen behandling.",
        },
        {
            "name": "Nyhedsbreve og opdateringer",
            "purposes": "Fremsende OnlinePOS' nyhedsbreve og opdateringer til dig.",
            "legal_basis": "consent",
            "data_categories": "Navn, mail og firmanavn.",
            "relationships": [N],
            "retention": DK_RETENTION + " Du kan til hver en tid framelde dig nyhedsbrevet.",
            **FROM_YOU,
            "systems": ["Nyhedsbrev"],
            "note": "Politikken nævner ikke, hvilket værktøj der sender nyhedsbrevet: modtagere "
                    "og overførsler er ikke afklaret. Perioden «indtil du afmelder dig» stod "
                    "ikke i politikken.",
        },
        {
            "name": "Jobansøgninger",
            "purposes": "Gennemføre ansøgningsprocedurer: ansøgninger til ledige stillinger og "
                        "uopfordrede ansøgninger gennem vores online ansøgningsfunktion.",
            "legal_basis": "contract",
            "data_categories": "Navn, telefonnummer, mail, ansøgning og CV.",
            "relationships": [J],
            "recipients": "Office 365, der behandler oplysningerne på vores vegne.",
            "transfers": DK_TRANSFERS,
            "retention": "Op til 3 måneder, derefter slettes ansøgningen.",
            **FROM_YOU,
            "systems": ["Office 365"],
            "note": "Foranstaltninger, ansøgeren anmoder om før en eventuel ansættelsesaftale "
                    "(art. 6, stk. 1, litra b). Opbevaring ud over 3 måneder og på papir "
                    "bygger på samtykke: egne behandlinger.",
        },
        {
            "name": "Jobansøgninger opbevaret ud over 3 måneder",
            "purposes": "Gemme din ansøgning i mere end 3 måneder, når du har givet tilladelse "
                        "til det.",
            "legal_basis": "consent",
            "data_categories": "Navn, telefonnummer, mail, ansøgning og CV.",
            "relationships": [J],
            "recipients": "Office 365, der behandler oplysningerne på vores vegne.",
            "transfers": DK_TRANSFERS,
            "retention": "Så længe dit samtykke gælder; du kan til hver en tid trække det "
                         "tilbage.",
            **FROM_YOU,
            "systems": ["Office 365"],
            "note": "Politikken: «Der hentes altid tilladelse til opbevaring af personlige "
                    "oplysninger ud over de 3 måneder.»",
        },
        {
            "name": "Jobansøgninger på papir",
            "purposes": "Opbevare din ansøgning fysisk, kun efter forudgående accept fra dig.",
            "legal_basis": "consent",
            "data_categories": "Ansøgning og CV på papir.",
            "relationships": [J],
            "no_recipients": True,
            "no_transfers": True,
            "retention": "Så længe dit samtykke gælder; du kan til hver en tid trække det "
                         "tilbage.",
            **FROM_YOU,
            "systems": ["Jobansøgninger på papir"],
            "note": "Politikken: «Fysisk opbevaring af jobansøgninger finder kun sted efter "
                    "forudgående accept fra ansøgeren.»",
        },
        {
            "name": "Billeder af kunder",
            "purposes": "Bruge billeder af kunder og inventar, kun efter forudgående accept.",
            "legal_basis": "consent",
            "data_categories": "Billeder af dig og dit inventar.",
            "relationships": [C],
            "retention": "Så længe dit samtykke gælder; du kan til hver en tid trække det "
                         "tilbage.",
            **FROM_YOU,
            "systems": ["Billeder"],
            "note": "Politikken: billeder bruges aldrig uden forudgående accept, medmindre der "
                    "er tale om situationsbilleder (egen behandling). Den siger ikke, hvor "
                    "billederne bruges: modtagere og overførsler er ikke afklaret.",
        },
        {
            "name": "Situationsbilleder",
            "purposes": "Bruge situationsbilleder, hvor kunder eller inventar er med, uden "
                        "forudgående accept.",
            "legal_basis": "legitimate_interests",
            "legitimate_interests": "At vise OnlinePOS i brug.",
            "data_categories": "Billeder, hvor du kan være med.",
            "relationships": [C],
            "retention": DK_RETENTION,
            **FROM_YOU,
            "systems": ["Billeder"],
            "note": "Politikken undtager situationsbilleder fra kravet om accept; grundlaget er "
                    "da legitim interesse, med ret til indsigelse. Den siger ikke, hvor "
                    "billederne bruges: modtagere og overførsler er ikke afklaret.",
        },
        {
            "name": "Telefonhenvendelser",
            "purposes": "Kontakt pr. telefon, når du ringer til os eller beder om at blive "
                        "ringet op.",
            "legal_basis": "legitimate_interests",
            "legitimate_interests": "At kunne besvare og følge op på kunders henvendelser pr. "
                                    "telefon.",
            "data_categories": "Telefonnummer, navn og oplysninger om samtalen.",
            "relationships": [C, U],
            "recipients": "Firmafonen, vores leverandør af erhvervstelefoni.",
            "transfers": DK_TRANSFERS,
            "retention": "Efter Firmafonens privatlivs- og databeskyttelsespolitik.",
            **FROM_YOU,
            "systems": ["Firmafonen"],
        },
        {
            "name": "Brug af websitet (cookies)",
            "purposes": "Gøre websitet og dets tjenester lettere at bruge, måle trafikmønstre, "
                        "forbedre vores tjenester, målrette indhold og markedsføring gennem "
                        "analyser og sikre, at websitet fungerer korrekt.",
            "legal_basis": "legitimate_interests",
            "legitimate_interests": "At måle og forbedre websitet og målrette vores "
                                    "markedsføring.",
            "data_categories": "Et unikt ID, IP-nummer, tekniske oplysninger om din computer, "
                               "tablet eller mobiltelefon, internetudbyder, browsertype og "
                               "-version, styresystem, tid på siderne, sete sider, geografisk "
                               "placering og hvilke sider og knapper du klikker på (interesser).",
            "relationships": [W],
            "recipients": "Tredjeparter med cookies på websitet: Google (herunder Google "
                          "Adwords og Analytics), Facebook, LinkedIn og YouTube.",
            "transfers": "Google (også YouTube), Facebook (Meta) og LinkedIn kan overføre "
                         "oplysningerne til USA. Hver af dem " + DPF_DK,
            "retention": DK_RETENTION,
            "source_is_subject": True,
            "automated_decisions": "Profilering: automatisk indsamlede logoplysninger kan "
                                   "kombineres med andre oplysninger om dig for at målrette "
                                   "indhold og markedsføring.",
            "systems": ["Cookies (websitet)"],
            "note": "Politikken kalder det ikke samtykke at fortsætte på websitet, men beder dig "
                    "slette cookies, hvis du ikke vil: det er fravalg, ikke et samtykke "
                    "(art. 4, nr. 11, og Planet49, C-673/17). Legitim interesse er opført, med "
                    "ret til indsigelse; cookiereglerne kræver samtykke, før cookies sættes. "
                    "Politikken nævner ingen overførsel: den følger af tredjeparterne (USA).",
        },
    ],
    "poweroffice": [
        {
            "name": "Brukerprofiler i PowerOffice Go og WIN",
            "purposes": "Yte og sikre leveranse av tjenesten du har bestilt.",
            "legal_basis": "contract",
            "data_categories": "Kontaktinformasjon som navn, bosted, telefonnummer, "
                               "e-postadresse og IP-adresse; opplysninger om bruken av "
                               "tjenestene og enhetene dine (type enhet, operativsystem, "
                               "nettleserinformasjon).",
            "relationships": [C, U],
            "recipients": PO_PROCESSORS,
            "no_transfers": True,
            "retention": "Så lenge tjenesteavtalen løper.",
            **FROM_YOU,
            "systems": ["PowerOffice Go", "PowerOffice WIN"],
            "note": "Politikken nevner ingen overføring ut av EØS. Regnskapet kundene fører i "
                    "Go og WIN behandler PowerOffice som databehandler (politikken: "
                    "«databehandler og behandlingsansvarlig»); det beskrives ikke her.",
        },
        {
            "name": "Forbedring av tjenestene og forebygging av svindel",
            "purposes": "Forbedre tjenestene og forebygge svindel.",
            "legal_basis": "legitimate_interests",
            "legitimate_interests": "Å gjøre tjenestene bedre og hindre svindel mot "
                                    "PowerOffice og kundene.",
            "data_categories": "Kontaktinformasjon og opplysninger om bruken av tjenestene og "
                               "enhetene dine.",
            "relationships": [C, U],
            "recipients": PO_PROCESSORS,
            "no_transfers": True,
            "retention": "Så lenge tjenesteavtalen løper.",
            **FROM_YOU,
            "systems": ["PowerOffice Go", "PowerOffice WIN"],
            "note": "Politikken lagrer opplysningene «for å yte eller sikre leveranse av "
                    "tjenesten ... samt for å forbedre tjenestene våre og for å forebygge "
                    "svindel». Avtalen (art. 6(1)(b)) dekker bare det som trengs for å levere "
                    "tjenesten; forbedring og svindelforebygging hviler på berettiget interesse "
                    "(fortalepunkt 47).",
        },
        {
            "name": "Go Mobile",
            "purposes": "Ta imot bilder, reiser og bilag du laster opp og sender inn, for å "
                        "levere tjenesten.",
            "legal_basis": "contract",
            "data_categories": "Bilder, reiser og bilag du laster opp; kontaktinformasjonen i "
                               "brukerprofilen din.",
            "relationships": [U],
            "recipients": PO_PROCESSORS,
            "no_transfers": True,
            "retention": "Bilder, reiser og bilag slettes når det har gått 3 måneder.",
            **FROM_YOU,
            "systems": ["Go Mobile"],
        },
        {
            "name": "Nyhetsbrev og kurs",
            "purposes": "Sende deg nyhetsbrev og kursinvitasjoner.",
            "legal_basis": "consent",
            "data_categories": "Kontaktinformasjon som navn, telefonnummer og e-postadresse.",
            "relationships": [N],
            "recipients": PO_PROCESSORS,
            "no_transfers": True,
            "retention": "Til du melder deg av nyhetsbrev og/eller kursinvitasjoner.",
            **FROM_YOU,
            "systems": ["Nyhetsbrev og kurs"],
            "note": "Politikken: PowerOffice deler personopplysninger bare etter "
                    "databehandleravtale, også her (demoen sa tidligere «ingen mottakere»).",
        },
        {
            "name": "Kurs du har meldt deg på",
            "purposes": "Sende deg dokumenter i forbindelse med kurs du har meldt deg på.",
            "legal_basis": "contract",
            "data_categories": "Kontaktinformasjon som navn, telefonnummer og e-postadresse.",
            "relationships": [N, C, U],
            "recipients": PO_PROCESSORS,
            "no_transfers": True,
            "retention": "Så lenge det er nødvendig for kurset og de lovpålagte pliktene vi "
                         "har.",
            **FROM_YOU,
            "systems": ["Nyhetsbrev og kurs"],
        },
        {
            "name": "Henvendelser til kundesenteret",
            "purposes": "Svare på spørsmålene dine og kontakte deg etter en henvendelse om "
                        "support.",
            "legal_basis": "legitimate_interests",
            "legitimate_interests": "Å kunne svare på henvendelser til kundesenteret.",
            "data_categories": "Kontaktinformasjon og innholdet i henvendelsen.",
            "relationships": [],
            "recipients": PO_PROCESSORS,
            "no_transfers": True,
            "retention": "Så lenge det er nødvendig for formålet og de lovpålagte pliktene vi "
                         "har.",
            **FROM_YOU,
            "systems": ["Kundesenteret (e-post)"],
        },
        {
            "name": "Nettstedene (informasjonskapsler og pikseltags)",
            "purposes": "Statistikk og analyse av bruken av poweroffice.no og poweroffice.net "
                        "for å forbedre brukeropplevelsen, måle hvor effektiv en "
                        "reklamekampanje er og tilpasse innholdet til interessene til "
                        "besøkende.",
            "legal_basis": "legitimate_interests",
            "legitimate_interests": "Å forbedre nettstedene og måle reklamekampanjene våre.",
            "data_categories": "Type enhet, operativsystem, nettleserinformasjon, IP-adresse, "
                               "innstillinger, hvilke sider du besøker og hvordan du navigerer "
                               "mellom dem (informasjonskapsler og pikseltags).",
            "relationships": [W],
            "retention": "Informasjonskapselen lagres normalt til neste gang du besøker "
                         "nettstedet, og erstattes da med en ny.",
            "source_is_subject": True,
            "automated_decisions": "Profilering: innholdet på nettsidene tilpasses interessene "
                                   "til besøkende (pikseltags).",
            "systems": ["Nettstedene (informasjonskapsler og pikseltags)"],
            "note": "Politikken: «Ved å gå inn på ... våre nettsider gir du ditt samtykke til "
                    "vår personvernerklæring.» Å bruke et nettsted er ikke et samtykke "
                    "(art. 4(11), 7; Planet49, C-673/17); berettiget interesse er oppført, med "
                    "protestrett, og informasjonskapslene krever samtykke etter ekomloven. "
                    "Politikken sier ikke hvem pikseltagsene melder til: mottakere og "
                    "overføringer er ikke avklart.",
        },
    ],
    "entrack": [
        {
            "name": "Kundekontakter og brukere",
            "purposes": "a) Gjennomføre salgs- og kontraktsprosesser med kunder og mulige "
                        "kunder; b) gi kunder og mulige kunder tilbud om produkter og "
                        "tjenester; c) utføre leveranser i samsvar med avtaler inngått med deg "
                        "eller kunder; d) tilby støtte til brukere av produktene og tjenestene "
                        "våre.",
            "legal_basis": "legitimate_interests",
            "legitimate_interests": "Entrack AS' berettigede interesse i å behandle "
                                    "opplysningene til disse formålene fra et "
                                    "forretningsmessig perspektiv.",
            "data_categories": "Grunnleggende kontaktopplysninger (navn, adresse, telefonnummer, "
                               "e-post); demografisk informasjon (fødselsdato, alder, kjønn); "
                               "jobbinformasjon (arbeidsgiver, tittel, stilling, faglige "
                               "preferanser); tilbakemeldinger, kommentarer og spørsmål; "
                               "økonomisk informasjon (f.eks. kredittinformasjon, "
                               "fakturaadresse); andre opplysninger du fritt har oppgitt i din "
                               "profil på tredjeparts sosiale nettverk. Ingen sensitive "
                               "personopplysninger.",
            "relationships": [C, U],
            "recipients": "Internt bare de ansatte som er aktive i en kjøps- eller "
                          "salgsprosess.",
            "no_transfers": True,
            "retention": "Så lenge det er nødvendig for formålet, og en rimelig periode etter "
                         "din og kundens siste samhandling med oss (for å svare på spørsmål, "
                         "løse tvister og overholde juridiske forpliktelser). Data til "
                         "statistikk pseudonymiseres eller anonymiseres.",
            "source": "Direkte fra deg eller fra andre personer tilknyttet kunden (leder eller "
                      "kollega); fra Entracks partnere når kunden kjøper gjennom en partner; "
                      "offentlig kontaktinformasjon om potensielle kunder og leverandører.",
            "no_automated_decisions": True,
            "systems": ["Kunde- og salgssystem"],
        },
        {
            "name": "Jobbsøkere",
            "purposes": "Vurdere din mulighet og ditt potensiale for å bli ansatt i "
                        "Entrack AS.",
            "legal_basis": "contract",
            "data_categories": "Opplysningene i søknaden: kontaktopplysninger og "
                               "jobbinformasjon.",
            "relationships": [J],
            "recipients": "Internt bare et begrenset antall personer i administrasjonen og "
                          "lønnsavdelingen; ikke delt med andre enn de som er berettiget etter "
                          "egen stillingsinstruks.",
            "no_transfers": True,
            "retention": "Til du ikke lenger er aktuell for en stilling hos Entrack AS.",
            **FROM_YOU,
            "systems": ["Personal og lønn", "Safe (papirarkiv)"],
            "note": "Politikken oppgir samtykke og ser en jobbsøknad som samtykke. I en "
                    "søknadsprosess er samtykke sjelden fritt (EDPB-retningslinjer 05/2020), og "
                    "behandlingen er nødvendig for tiltak søkeren selv ber om før en "
                    "arbeidsavtale (art. 6(1)(b)). Papirdokumenter ligger i safen.",
        },
        {
            "name": "Ansatte",
            "purposes": "Registrere personopplysninger for å oppfylle de lovpålagte kravene som "
                        "naturlig følger av et ansettelsesforhold (personal og lønn).",
            "legal_basis": "legal_obligation",
            "data_categories": "Opplysningene i arbeidsavtalen og det som trengs for personal "
                               "og lønn.",
            "relationships": [E],
            "recipients": "Internt bare et begrenset antall personer i administrasjonen og "
                          "lønnsavdelingen; ikke delt med andre enn de som er berettiget etter "
                          "egen stillingsinstruks.",
            "no_transfers": True,
            "retention": "Til ansettelsen er avsluttet: Entrack AS oppbevarer ikke "
                         "personopplysninger om personer som ikke lenger er ansatt.",
            **FROM_YOU,
            "systems": ["Personal og lønn", "Safe (papirarkiv)"],
            "note": "Politikken ser en signert arbeidsavtale som samtykke; grunnlaget er de "
                    "lovpålagte kravene. Papirdokumenter ligger i safen (nøkkel hos "
                    "økonomisjefen).",
        },
        {
            "name": "Kameraovervåking av lokalene",
            "purposes": "Overvåke tilgangen til lokalene våre.",
            "legal_basis": "legitimate_interests",
            "legitimate_interests": "Å beskytte forretningshemmelighetene våre, de ansatte, "
                                    "lokalene og besøkende.",
            "data_categories": "Videoopptak av deg når du er i lokalene, som besøkende eller "
                               "ansatt.",
            "relationships": [V, E],
            "recipients": "Politiet, når et opptak utleveres i forbindelse med etterforskning "
                          "av straffbare handlinger eller ulykker.",
            "no_transfers": True,
            "retention": "Opptakene slettes senest sju dager etter opptak. Et opptak som "
                         "sannsynligvis blir utlevert til politiet, kan oppbevares i inntil 30 "
                         "dager (forskrift om kameraovervåking i virksomhet).",
            **FROM_YOU,
            "systems": ["Kameraovervåking"],
            "note": "Politikken nevner bare besøkende og ingen lagringstid. Kameraet filmer også "
                    "de ansatte (kontrolltiltak, arbeidsmiljøloven kapittel 9); lagringstiden er "
                    "forskriftens.",
        },
        {
            "name": "Facebook-piksel på entrack.no",
            "purposes": "Facebook remarketing: Facebook får vite at du har vært på entrack.no "
                        "og kan vise deg Entrack AS i Facebook-feeden din.",
            "legal_basis": "legitimate_interests",
            "legitimate_interests": "Å markedsføre Entrack AS overfor besøkende på nettsiden.",
            "data_categories": "En informasjonskapsel og hvilke sider på entrack.no du har "
                               "besøkt.",
            "relationships": [W],
            "recipients": "Meta (Facebook).",
            "transfers": "Meta kan overføre opplysningene til USA. Meta Platforms " + DPF_NO,
            "retention": "Entrack AS oppgir ingen egen lagringstid; informasjonskapselen "
                         "lagres etter Metas vilkår.",
            "source_is_subject": True,
            "automated_decisions": "Profilering: Facebook kan vise deg annonser for "
                                   "Entrack AS fordi du har besøkt entrack.no.",
            "systems": ["Facebook-piksel (entrack.no)"],
            "note": "Politikken sier at det ikke innhentes informasjon fra besøkende på "
                    "entrack.no, men beskriver Facebook-pikselen, uten grunnlag. Remarketing "
                    "krever samtykke før pikselen settes (ekomloven); til det er på plass er "
                    "berettiget interesse oppført, med protestrett.",
        },
    ],
    "postrek": [
        {
            "name": "Kundekontakter og brukere",
            "purposes": "a) Gjennomføre salgs- og kontraktprosesser med kunder og mulige "
                        "kunder; b) gi kunder og mulige kunder tilbud om produkter og "
                        "tjenester; c) utføre leveranser i samsvar med avtaler; d) tilby "
                        "støtte til brukere; e) forbedre og utvikle produktene og tjenestene; "
                        "f) oppdage, minimere og forhindre sikkerhetstrusler; g) forebygge "
                        "misbruk.",
            "legal_basis": "legitimate_interests",
            "legitimate_interests": "Post & Reklameservice AS' berettigede interesse i å "
                                    "behandle opplysningene til disse formålene fra et "
                                    "forretningsmessig perspektiv.",
            "data_categories": "Kontaktopplysninger som navn, e-postadresse, gateadresse og "
                               "telefonnummer; opplysninger du gir oss elektronisk, på papir, i "
                               "telefonsamtaler og i annen korrespondanse.",
            "relationships": [C, U],
            "recipients": "Vi deler ikke personopplysningene dine med tredjeparter.",
            "no_transfers": True,
            "retention": "Så lenge det er nødvendig for formålet, og en rimelig periode etter "
                         "siste samhandling med oss.",
            "source": "Direkte fra deg eller fra personer tilknyttet deg (leder, kollega eller "
                      "en samarbeidspartner du har valgt); fra vår felles samarbeidspartner når "
                      "du kjøper gjennom en slik partner.",
            "no_automated_decisions": True,
            "systems": ["Kunde- og brukeradministrasjon"],
            "note": "Politikkens «normalt 2 måneder, inntil 6 måneder» gjelder oppdragene "
                    "Post & Reklameservice utfører som databehandler, ikke kunderelasjonen.",
        },
        {
            "name": "Bestillinger, fakturering og regnskap",
            "purposes": "h) Behandle bestillinger, fakturering, betalinger og annen "
                        "administrasjon, og oppbevare regnskapsmaterialet.",
            "legal_basis": "legal_obligation",
            "data_categories": "Navn, adresse, bestillinger, fakturaer og betalinger.",
            "relationships": [C],
            "recipients": "Vi deler ikke personopplysningene dine med tredjeparter.",
            "no_transfers": True,
            "retention": "Regnskapsmaterialet (bestillinger, fakturaer og betalinger) "
                         "oppbevares i 5 år etter regnskapsårets slutt (bokføringsloven § 13).",
            **FROM_YOU,
            "systems": ["Kunde- og brukeradministrasjon"],
            "note": "Politikken legger h) under berettiget interesse, og demoen ga den 2–6 "
                    "måneder. Oppbevaringen følger bokføringsloven, og den plikten er "
                    "grunnlaget (art. 6(1)(c)).",
        },
        {
            "name": "Nettsidene (Google Analytics og Google AdWords)",
            "purposes": "Se hvilket innhold på nettsidene som er populært og hvilke sider som "
                        "bidrar til at noen sender inn et kontaktskjema, for å optimalisere "
                        "nettsidene og annonseringen vår på søkemotorer.",
            "legal_basis": "legitimate_interests",
            "legitimate_interests": "Å forbedre nettsidene og annonseringen vår.",
            "data_categories": "Aktiviteten din på nettsidene: sidevisninger, kilde og tid brukt "
                               "på nettstedet (informasjonskapsler).",
            "relationships": [W],
            "recipients": "Google (Google Analytics og Google AdWords).",
            "transfers": "Google kan overføre opplysningene til USA. Google LLC " + DPF_NO,
            "retention": "Inntil 14 måneder, den lengste lagringstiden Google Analytics tilbyr "
                         "for data om den enkelte bruker.",
            "source_is_subject": True,
            "no_automated_decisions": True,
            "systems": ["Google Analytics"],
            "note": "Politikken gir ikke et samtykke, bare en lenke til Googles verktøy for å "
                    "velge bort Google Analytics: det er reservasjon, ikke samtykke "
                    "(art. 4(11)); berettiget interesse er oppført, med protestrett, og "
                    "informasjonskapslene krever samtykke etter ekomloven. Politikken oppgir "
                    "ingen lagringstid her (2–6 måneder gjelder databehandleroppdragene) og "
                    "ingen overføring, men Google er mottaker.",
        },
    ],
}
