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


# --- Records of processing (Art. 30(1)) ------------------------------------------------------
#
# Per organisation, the processing activities its policy describes, in the policy's language.
# Only what the policy says or clearly implies; a field the policy is silent on stays empty
# ("source" empty: from the person themself; "automated_decisions" empty: none). The access
# cover document (``cover``) is prefilled from these. "systems" names DataSystems above.

RECORDS = {
    "onlinepos-no": [
        {
            "name": "Henvendelser via kontaktskjema",
            "purposes": "Opprette kontakt med deg for å løse en spesifikk problemstilling, "
                        "håndtere en konkret henvendelse eller utføre en spesifikk oppgave, når "
                        "du fyller ut «Bli kontaktet av oss» eller sender oss en henvendelse.",
            "legal_basis": "consent",
            "data_categories": "Navn, telefonnummer, e-post, firmanavn og innholdet i "
                               "henvendelsen.",
            "relationships": [C, U, W],
            "recipients": "Freshdesk og HubSpot, som behandler opplysningene på våre vegne og "
                          "ikke kan bruke dem til egne formål. Internt kan henvendelsen gå "
                          "videre til en annen ansatt hos OnlinePOS.",
            "transfers": "Vi bruker bare databehandlere i EU eller i land som kan gi "
                         "opplysningene dine tilstrekkelig beskyttelse.",
            "retention": "Til saken er avsluttet hos oss; da slettes e-posten eller "
                         "opplysningene.",
            "systems": ["Freshdesk", "HubSpot"],
        },
        {
            "name": "Kunderegister (CRM)",
            "purposes": "Sikre kontakten med deg og kunne utføre den nødvendige og etterspurte "
                        "tjenesten overfor deg som kunde.",
            "legal_basis": "contract",
            "data_categories": "Kontaktopplysninger: navn, telefonnummer, selskap og e-post.",
            "relationships": [C],
            "recipients": "Freshdesk og HubSpot, som behandler opplysningene på våre vegne og "
                          "ikke kan bruke dem til egne formål.",
            "transfers": "Vi bruker bare databehandlere i EU eller i land som kan gi "
                         "opplysningene dine tilstrekkelig beskyttelse.",
            "retention": "Så lenge loven tillater og opplysningene er nødvendige; deretter "
                         "slettes de. Perioden avhenger av opplysningenes art og grunnlaget for "
                         "oppbevaringen.",
            "systems": ["Freshdesk", "HubSpot"],
        },
        {
            "name": "Nyhetsbrev og oppdateringer",
            "purposes": "Sende deg OnlinePOS' nyhetsbrev og oppdateringer.",
            "legal_basis": "consent",
            "data_categories": "Navn, e-post og firmanavn.",
            "relationships": [N],
            "recipients": "HubSpot, som behandler opplysningene på våre vegne og ikke kan bruke "
                          "dem til egne formål.",
            "transfers": "Vi bruker bare databehandlere i EU eller i land som kan gi "
                         "opplysningene dine tilstrekkelig beskyttelse.",
            "retention": "Til du melder deg av nyhetsbrevet; deretter slettes opplysningene når "
                         "de ikke lenger er nødvendige.",
            "systems": ["HubSpot"],
        },
        {
            "name": "Jobbsøknader",
            "purposes": "Gjennomføre søknadsprosesser: søknader til ledige stillinger og åpne "
                        "søknader sendt via den nettbaserte søknadsfunksjonen.",
            "legal_basis": "contract",
            "data_categories": "Navn, telefonnummer, e-post, søknad og CV.",
            "relationships": [J],
            "recipients": "Office 365, som behandler opplysningene på våre vegne.",
            "transfers": "Vi bruker bare databehandlere i EU eller i land som kan gi "
                         "opplysningene dine tilstrekkelig beskyttelse.",
            "retention": "Inntil 3 måneder, deretter slettes søknaden. Lenger oppbevaring, og "
                         "fysisk oppbevaring, bare med ditt samtykke.",
            "systems": ["Office 365"],
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
            "retention": "Etter Relatels personvern- og databeskyttelsespolitikk.",
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
            "retention": "Så lenge loven tillater og opplysningene er nødvendige; deretter "
                         "slettes de.",
            "automated_decisions": "Profilering: opplysningene om hvilke sider og knapper du "
                                   "klikker på kan sammenlignes med personopplysningene dine "
                                   "for å forstå behovene dine og tilpasse innholdet på "
                                   "nettsiden.",
            "systems": [],
        },
    ],
    "onlinepos-dk": [
        {
            "name": "Henvendelser via kontaktformularen",
            "purposes": "Etablere kontakt til dig for at løse en konkret problemstilling, "
                        "håndtere en konkret forespørgsel eller udføre en konkret opgave, når du "
                        "udfylder «Bliv kontaktet af os» eller skriver til os.",
            "legal_basis": "consent",
            "data_categories": "Navn, telefonnummer, mail, virksomhed og indholdet af "
                               "henvendelsen.",
            "relationships": [C, U, W],
            "recipients": "Zendesk og Office 365, der behandler oplysningerne på vores vegne og "
                          "ikke må anvende dem til egne formål. Internt kan henvendelsen gå "
                          "videre til en anden medarbejder i OnlinePOS.",
            "transfers": "Vi anvender kun databehandlere i EU eller i lande, der kan give dine "
                         "oplysninger en tilstrækkelig beskyttelse.",
            "retention": "Indtil sagen er afsluttet hos os; så slettes mailen eller "
                         "oplysningerne.",
            "systems": ["Zendesk", "Office 365"],
        },
        {
            "name": "Kundekartotek (CRM)",
            "purposes": "Sikre kontakten til dig og kunne udføre den fornødne og efterspurgte "
                        "service over for dig som kunde.",
            "legal_basis": "contract",
            "data_categories": "Kontaktoplysninger: navn, telefonnummer, virksomhed og mail.",
            "relationships": [C],
            "recipients": "Pipedrive, der behandler oplysningerne på vores vegne og ikke må "
                          "anvende dem til egne formål.",
            "transfers": "Vi anvender kun databehandlere i EU eller i lande, der kan give dine "
                         "oplysninger en tilstrækkelig beskyttelse.",
            "retention": "I det tidsrum, lovgivningen tillader, og så længe oplysningerne er "
                         "nødvendige; derefter slettes de. Perioden afhænger af oplysningens "
                         "karakter og baggrunden for opbevaringen.",
            "systems": ["Pipedrive"],
        },
        {
            "name": "Nyhedsbreve og opdateringer",
            "purposes": "Fremsende OnlinePOS' nyhedsbreve og opdateringer til dig.",
            "legal_basis": "consent",
            "data_categories": "Navn, mail og firmanavn.",
            "relationships": [N],
            "retention": "Indtil du afmelder dig; derefter slettes oplysningerne, når de ikke "
                         "længere er nødvendige.",
            "systems": [],
        },
        {
            "name": "Jobansøgninger",
            "purposes": "Gennemføre ansøgningsprocedurer: ansøgninger til ledige stillinger og "
                        "uopfordrede ansøgninger gennem vores online ansøgningsfunktion.",
            "legal_basis": "contract",
            "data_categories": "Navn, telefonnummer, mail, ansøgning og CV.",
            "relationships": [J],
            "recipients": "Office 365, der behandler oplysningerne på vores vegne.",
            "transfers": "Vi anvender kun databehandlere i EU eller i lande, der kan give dine "
                         "oplysninger en tilstrækkelig beskyttelse.",
            "retention": "Op til 3 måneder, derefter slettes ansøgningen. Længere opbevaring, "
                         "og fysisk opbevaring, kun med din accept.",
            "systems": ["Office 365"],
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
            "retention": "Efter Firmafonens privatlivs- og databeskyttelsespolitik.",
            "systems": ["Firmafonen"],
        },
        {
            "name": "Brug af websitet (cookies)",
            "purposes": "Gøre websitet og dets tjenester lettere at bruge, måle trafikmønstre, "
                        "forbedre vores tjenester, målrette indhold og markedsføring gennem "
                        "analyser og sikre, at websitet fungerer korrekt.",
            "legal_basis": "consent",
            "data_categories": "Et unikt ID, IP-nummer, tekniske oplysninger om din computer, "
                               "tablet eller mobiltelefon, internetudbyder, browsertype og "
                               "-version, styresystem, tid på siderne, sete sider, geografisk "
                               "placering og hvilke sider og knapper du klikker på (interesser).",
            "relationships": [W],
            "recipients": "Tredjeparter med cookies på websitet: Google (herunder Google "
                          "Adwords og Analytics), Facebook, LinkedIn og YouTube.",
            "retention": "I det tidsrum, lovgivningen tillader, og så længe oplysningerne er "
                         "nødvendige; derefter slettes de.",
            "automated_decisions": "Profilering: automatisk indsamlede logoplysninger kan "
                                   "kombineres med andre oplysninger om dig for at målrette "
                                   "indhold og markedsføring.",
            "systems": [],
        },
    ],
    "poweroffice": [
        {
            "name": "Brukerprofiler i PowerOffice Go og WIN",
            "purposes": "Yte og sikre leveranse av tjenesten du har bestilt, forbedre tjenestene "
                        "våre og forebygge svindel.",
            "legal_basis": "contract",
            "data_categories": "Kontaktinformasjon som navn, bosted, telefonnummer, "
                               "e-postadresse og IP-adresse; opplysninger om bruken av "
                               "tjenestene og enhetene dine (type enhet, operativsystem, "
                               "nettleserinformasjon).",
            "relationships": [C, U],
            "recipients": "Leverandører som behandler opplysningene etter en databehandleravtale "
                          "som ledd i produksjonen av tjenesten. Offentlig myndighet når "
                          "PowerOffice er rettslig forpliktet til å utlevere opplysningene "
                          "(rettsavgjørelse, lov eller forskrift). PowerOffice selger ikke "
                          "personopplysninger.",
            "retention": "Så lenge tjenesteavtalen løper.",
            "systems": ["PowerOffice Go", "PowerOffice WIN"],
        },
        {
            "name": "Go Mobile",
            "purposes": "Ta imot bilder, reiser og bilag du laster opp og sender inn, for å "
                        "levere tjenesten.",
            "legal_basis": "contract",
            "data_categories": "Bilder, reiser og bilag du laster opp; kontaktinformasjonen i "
                               "brukerprofilen din.",
            "relationships": [U],
            "recipients": "Leverandører som behandler opplysningene etter en databehandleravtale "
                          "som ledd i produksjonen av tjenesten.",
            "retention": "Bilder, reiser og bilag slettes når det har gått 3 måneder.",
            "systems": ["Go Mobile"],
        },
        {
            "name": "Nyhetsbrev og kurs",
            "purposes": "Sende deg nyhetsbrev, kursinvitasjoner og dokumenter i forbindelse med "
                        "kurs du har meldt deg på.",
            "legal_basis": "consent",
            "data_categories": "Kontaktinformasjon som navn, telefonnummer og e-postadresse.",
            "relationships": [N],
            "retention": "Til du melder deg av nyhetsbrev og/eller kursinvitasjoner.",
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
            "retention": "Så lenge det er nødvendig for formålet og de lovpålagte pliktene vi "
                         "har.",
            "systems": ["Kundesenteret (e-post)"],
        },
        {
            "name": "Nettstedene (informasjonskapsler og pikseltags)",
            "purposes": "Statistikk og analyse av bruken av poweroffice.no og poweroffice.net "
                        "for å forbedre brukeropplevelsen, måle hvor effektiv en "
                        "reklamekampanje er og tilpasse innholdet til interessene til "
                        "besøkende.",
            "legal_basis": "consent",
            "data_categories": "Type enhet, operativsystem, nettleserinformasjon, IP-adresse, "
                               "innstillinger, hvilke sider du besøker og hvordan du navigerer "
                               "mellom dem (informasjonskapsler og pikseltags).",
            "relationships": [W],
            "retention": "Informasjonskapselen lagres normalt til neste gang du besøker "
                         "nettstedet, og erstattes da med en ny.",
            "automated_decisions": "Profilering: innholdet på nettsidene tilpasses interessene "
                                   "til besøkende (pikseltags).",
            "systems": [],
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
            "retention": "Så lenge det er nødvendig for formålet, og en rimelig periode etter "
                         "din og kundens siste samhandling med oss (for å svare på spørsmål, "
                         "løse tvister og overholde juridiske forpliktelser). Data til "
                         "statistikk pseudonymiseres eller anonymiseres.",
            "source": "Direkte fra deg eller fra andre personer tilknyttet kunden (leder eller "
                      "kollega); fra Entracks partnere når kunden kjøper gjennom en partner; "
                      "offentlig kontaktinformasjon om potensielle kunder og leverandører.",
            "systems": ["Kunde- og salgssystem"],
        },
        {
            "name": "Jobbsøkere",
            "purposes": "Vurdere din mulighet og ditt potensiale for å bli ansatt i "
                        "Entrack AS.",
            "legal_basis": "consent",
            "data_categories": "Opplysningene i søknaden: kontaktopplysninger og "
                               "jobbinformasjon.",
            "relationships": [J],
            "recipients": "Internt bare et begrenset antall personer i administrasjonen og "
                          "lønnsavdelingen; ikke delt med andre enn de som er berettiget etter "
                          "egen stillingsinstruks.",
            "retention": "Til du ikke lenger er aktuell for en stilling hos Entrack AS.",
            "systems": ["Personal og lønn"],
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
            "retention": "Til ansettelsen er avsluttet: Entrack AS oppbevarer ikke "
                         "personopplysninger om personer som ikke lenger er ansatt.",
            "systems": ["Personal og lønn"],
        },
        {
            "name": "Kameraovervåking av lokalene",
            "purposes": "Overvåke tilgangen til lokalene våre.",
            "legal_basis": "legitimate_interests",
            "legitimate_interests": "Å beskytte forretningshemmelighetene våre, de ansatte, "
                                    "lokalene og deg som besøkende.",
            "data_categories": "Videoopptak av deg når du besøker lokalene.",
            "relationships": [V],
            "retention": "Så lenge det er nødvendig for formålet; deretter slettes opptakene.",
            "systems": ["Kameraovervåking"],
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
                        "misbruk; h) behandle bestillinger, fakturering, betalinger og annen "
                        "administrasjon.",
            "legal_basis": "legitimate_interests",
            "legitimate_interests": "Post & Reklameservice AS' berettigede interesse i å "
                                    "behandle opplysningene til disse formålene fra et "
                                    "forretningsmessig perspektiv.",
            "data_categories": "Kontaktopplysninger som navn, e-postadresse, gateadresse og "
                               "telefonnummer; opplysninger du gir oss elektronisk, på papir, i "
                               "telefonsamtaler og i annen korrespondanse; bestillinger, "
                               "fakturering og betalinger.",
            "relationships": [C, U],
            "recipients": "Vi deler ikke personopplysningene dine med tredjeparter.",
            "retention": "Så lenge det er nødvendig for formålet, og en rimelig periode etter "
                         "siste samhandling med oss. Normalt slettes opplysningene etter 2 "
                         "måneder, i spesielle tilfeller etter inntil 6 måneder.",
            "source": "Direkte fra deg eller fra personer tilknyttet deg (leder, kollega eller "
                      "en samarbeidspartner du har valgt); fra vår felles samarbeidspartner når "
                      "du kjøper gjennom en slik partner.",
            "systems": ["Kunde- og brukeradministrasjon"],
        },
        {
            "name": "Nettsidene (Google Analytics og Google AdWords)",
            "purposes": "Se hvilket innhold på nettsidene som er populært og hvilke sider som "
                        "bidrar til at noen sender inn et kontaktskjema, for å optimalisere "
                        "nettsidene og annonseringen vår på søkemotorer.",
            "legal_basis": "consent",
            "data_categories": "Aktiviteten din på nettsidene: sidevisninger, kilde og tid brukt "
                               "på nettstedet (informasjonskapsler).",
            "relationships": [W],
            "recipients": "Google (Google Analytics og Google AdWords).",
            "retention": "Normalt 2 måneder, i spesielle tilfeller inntil 6 måneder.",
            "systems": ["Google Analytics"],
        },
    ],
}
