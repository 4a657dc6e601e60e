"""A year of requests for each demo organisation, replayed through the services.

``manage.py load_demo`` calls ``load`` once per organisation that has no requests yet, so a
second run loads nothing twice. Nothing here writes a request, an event, a message or an
e-mail itself: every step is the service staff or the requester would use (``intake``,
``workflow``, ``checklist.mark``, ``outcomes.record``, ``reminders.process``,
``retention.purge_request``), called with ``now=`` the moment it happened in the story, so
the same rules apply as on the day (an extension only within the month, a refusal only on a
ground of its type, a completion only with the checklist finished, ...). A step the rules
refuse raises, and the load stops: the demo can never show what the portal would not allow.

How a year is replayed (``_Replay``):

1. Each request gets a plan from a seeded random generator and a seeded Faker (``no_NO``,
   Bokmål, or ``da_DK``): when it came, its right, channel, language, the requester (invented names,
   addresses at ``example.com``/``.net``/``.org``) and its fate: new, waiting, in progress,
   overdue, extended, completed (on time, late, after an extension, partly refused, no data
   held), refused (every ground its type allows is used in turn), forwarded or withdrawn.
   The fate depends on its age: what came last week is still open, what came a year ago is
   closed, and what closed more than the organisation's ``retention_days`` ago is purged.
2. Each plan is a generator that yields the moment of its next step; the steps of every
   request run in time order, interleaved with a daily morning sweep that does what beat
   does each day: ``reminders.process`` for the requests whose reminder is due (so reminders
   and escalations went out before the due dates and after them), and the purge.
3. The e-mails of each step are delivered at once, at that moment, through an e-mail
   backend that keeps nothing (``notifications.deliver(now=, connection=)``): they went out
   "back then" to invented addresses, and nothing of the past waits in the outbox or on the
   broker for the worker.

Same seed, same day: same requests (references and status links are random by design).
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.mail import get_connection
from django.utils import timezone
from faker import Faker

from requests_app import intake, links, notifications, outcomes, retention
from requests_app.casework import checklist, notice, workflow
from requests_app.clock import legal, reminders
from requests_app.models import (
    Channel,
    ChecklistItem,
    ExtensionReason,
    ForwardedBy,
    Membership,
    Message,
    Organisation,
    OutgoingEmail,
    RefusalGround,
    Request,
    RequestType,
    Status,
)

SEED = 14
DAYS = 365
#: Requests a year per organisation: small companies, a few a week at most.
PER_YEAR = {"onlinepos-no": 80, "onlinepos-dk": 55, "poweroffice": 85, "entrack": 40,
            "postrek": 45}
DEFAULT_PER_YEAR = 50
#: Faker's Norwegian (Bokmål) locale is called no_NO; it has no nb_NO.
LOCALES = {"NO": "no_NO", "DK": "da_DK"}
#: The demo's addresses: domains reserved for examples (RFC 2606), so no mail can reach anyone.
DOMAINS = ("example.com", "example.net", "example.org")

TYPES = [(RequestType.ACCESS, 32), (RequestType.ERASURE, 24), (RequestType.OBJECTION, 12),
         (RequestType.RECTIFICATION, 10), (RequestType.CONSENT_WITHDRAWAL, 9),
         (RequestType.PORTABILITY, 7), (RequestType.RESTRICTION, 6)]
CHANNELS = [(Channel.WEB, 58), (Channel.EMAIL, 22), (Channel.PHONE, 8), (Channel.LETTER, 7),
            (Channel.IN_PERSON, 5)]
#: Rights a request without an e-mail address is made for here (a call, a letter): the
#: others need an address (an objection to direct marketing goes on the suppression list).
WITHOUT_ADDRESS = frozenset({RequestType.ACCESS, RequestType.ERASURE,
                             RequestType.RECTIFICATION, RequestType.RESTRICTION})
#: How closed requests end, with weights; ``_closing_fate`` keeps each to the rights it fits.
CLOSED_FATES = [("complete", 42), ("no_data", 9), ("partly", 8), ("refuse", 15),
                ("forward", 6), ("withdraw", 7), ("late", 6), ("extended", 7)]
#: Closed fates that may become a refusal without changing anything else of the plan.
SWAPPABLE_FATES = frozenset({"complete", "no_data", "late_no_data", "extended_no_data",
                             "late", "extended"})


# --- Texts: what requesters and staff wrote (data, in the requester's language) -------------

TEXT = {
    "nb": {
        "access": ["Jeg vil vite hvilke opplysninger dere har om meg.",
                   "Send meg en kopi av alt dere har lagret om meg, også logger."],
        "rectification": ["Adressen min er feil i kundeforholdet.",
                          "Navnet mitt er stavet feil på fakturaene."],
        "erasure": ["Slett alt dere har om meg, jeg er ikke lenger kunde.",
                    "Jeg vil ikke lenger stå i registrene deres."],
        "restriction": ["Stans bruken av opplysningene mine mens feilen undersøkes."],
        "portability": ["Jeg vil ha ordrehistorikken min i et format jeg kan ta med meg."],
        "objection": ["Jeg vil ikke ha mer markedsføring fra dere.",
                      "Jeg protesterer mot at dere bruker opplysningene mine til analyse."],
        "consent_withdrawal": ["Jeg trekker tilbake samtykket til nyhetsbrevet."],
        "identity": "Før vi kan gå videre, må vi bekrefte at det er deg. Svar fra "
                    "e-postadressen du er registrert med, eller oppgi kundenummeret ditt.",
        "clarify": "Kan du si litt mer om hvilke opplysninger det gjelder?",
        "reply": ["Her er kundenummeret mitt.", "Det gjelder kundeforholdet mitt fra i fjor.",
                  "Jeg svarer fra den registrerte adressen."],
        "answer": "Vi har behandlet forespørselen din.",
        "no_data": "Vi har søkt i alle systemene våre og finner ingen opplysninger om deg.",
        "refuse": "Vi kan dessverre ikke imøtekomme forespørselen din.",
        "forward": "Opplysningene behandles av oss på vegne av en kunde, som svarer deg.",
        "extend": "Forespørselen gjelder mange systemer, og vi trenger mer tid for å svare "
                  "fullstendig.",
        "balancing": "Kundens situasjon veier tyngre enn vår interesse i analysen.",
        "withdraw": "Kunden skrev at saken var løst, og trakk forespørselen.",
        "processing": "Markedsføring og analyse",
        "consent": "Nyhetsbrev",
        "wrong": "Gammel adresse", "right": "Ny adresse oppgitt av kunden",
    },
    "da": {
        "access": ["Jeg vil gerne vide, hvilke oplysninger I har om mig.",
                   "Send mig en kopi af alt, I har gemt om mig."],
        "rectification": ["Min adresse er forkert i kundeforholdet.",
                          "Mit navn er stavet forkert på fakturaerne."],
        "erasure": ["Slet alt, I har om mig, jeg er ikke længere kunde.",
                    "Jeg ønsker ikke længere at være i jeres registre."],
        "restriction": ["Stop brugen af mine oplysninger, mens fejlen undersøges."],
        "portability": ["Jeg vil have min ordrehistorik i et format, jeg kan tage med."],
        "objection": ["Jeg ønsker ikke mere markedsføring fra jer.",
                      "Jeg gør indsigelse mod, at I bruger mine oplysninger til analyse."],
        "consent_withdrawal": ["Jeg trækker mit samtykke til nyhedsbrevet tilbage."],
        "identity": "Før vi kan gå videre, skal vi bekræfte, at det er dig. Svar fra den "
                    "mailadresse, du er registreret med, eller oplys dit kundenummer.",
        "clarify": "Kan du uddybe, hvilke oplysninger det drejer sig om?",
        "reply": ["Her er mit kundenummer.", "Det drejer sig om mit kundeforhold sidste år.",
                  "Jeg svarer fra den registrerede adresse."],
        "answer": "Vi har behandlet din anmodning.",
        "no_data": "Vi har søgt i alle vores systemer og finder ingen oplysninger om dig.",
        "refuse": "Vi kan desværre ikke imødekomme din anmodning.",
        "forward": "Oplysningerne behandles af os på vegne af en kunde, som svarer dig.",
        "extend": "Anmodningen vedrører mange systemer, og vi har brug for mere tid til at "
                  "svare fuldstændigt.",
        "balancing": "Kundens situation vejer tungere end vores interesse i analysen.",
        "withdraw": "Kunden skrev, at sagen var løst, og trak anmodningen tilbage.",
        "processing": "Markedsføring og analyse",
        "consent": "Nyhedsbrev",
        "wrong": "Gammel adresse", "right": "Ny adresse oplyst af kunden",
    },
    "en": {
        "access": ["I would like to know what data you hold about me.",
                   "Please send me a copy of everything you have stored about me."],
        "rectification": ["My address is wrong in your customer records."],
        "erasure": ["Please erase everything you hold about me; I am no longer a customer."],
        "restriction": ["Please stop using my data while the error is looked into."],
        "portability": ["I want my order history in a format I can take elsewhere."],
        "objection": ["I do not want any more marketing from you."],
        "consent_withdrawal": ["I withdraw my consent to the newsletter."],
        "identity": "Before we go on we need to confirm it is you. Please answer from the "
                    "address you are registered with, or give your customer number.",
        "clarify": "Could you tell us a little more about which data you mean?",
        "reply": ["Here is my customer number.", "It is about my account from last year."],
        "answer": "We have dealt with your request.",
        "no_data": "We have searched all our systems and hold no data about you.",
        "refuse": "We are sorry that we cannot act on your request.",
        "forward": "We process this data on behalf of a customer, who will answer you.",
        "extend": "Your request concerns many systems and we need more time to answer it in "
                  "full.",
        "balancing": "The requester's situation outweighs our interest in the analysis.",
        "withdraw": "The requester wrote that the matter was settled and withdrew the request.",
        "processing": "Marketing and analytics",
        "consent": "Newsletter",
        "wrong": "Old address", "right": "New address given by the requester",
    },
}


@dataclass
class Plan:
    """One request of the story: who, what, when, and how it ends."""

    received_at: datetime
    type: str
    channel: str
    language: str
    relationship: str
    name: str
    email: str
    fate: str
    identity_question: bool = False
    clarification: bool = False
    assigned: bool = True
    details: dict = field(default_factory=dict)
    #: For a forwarded request: the controller it goes to (an invented company).
    controller: str = ""


def _a_refusal_for_every_ground(plans: list[tuple[Organisation, Plan]]) -> None:
    """Refuse enough of the closed requests that the demo shows every refusal ground, whatever
    the day it is loaded.

    The fates are drawn at random, and which are drawn moves with the weekdays of the year: on
    some days too few requests of one right were refused to use each ground of that right.
    ``_Replay._ground`` takes the grounds in turn, a right's own before those every right has,
    so a right needs one refusal per ground of its own and one more (for the identity or
    Art. 12(5)), and a right a country restricts by law (``outcomes.NATIONAL_GROUNDS``) one
    more per such country; and each organisation of such a country refuses one request of
    that right. Where a right is short, its oldest closed requests that were not refused are
    refused instead (an objection only if it is not to direct marketing, which has no ground
    of Art. 21(1))."""
    def refusable(plan: Plan) -> bool:
        return plan.fate in SWAPPABLE_FATES and (
            plan.type != RequestType.OBJECTION
            or plan.details.get("objection_kind") != "direct_marketing")

    def refuse(candidates: list[Plan], wanted: int) -> None:
        short = wanted - sum(plan.fate == "refuse" for plan in candidates)
        for plan in candidates:
            if short <= 0:
                return
            if refusable(plan):
                plan.fate = "refuse"
                short -= 1

    countries = set()
    for org in {org for org, _plan in plans}:
        if org.country in outcomes.NATIONAL_GROUNDS:
            countries.add(org.country)
            refuse([plan for mine, plan in plans if mine == org
                    and plan.type in outcomes.NATIONAL_GROUND_TYPES], 1)
    for kind, own in outcomes.TYPE_GROUNDS.items():
        national = len(countries) if kind in outcomes.NATIONAL_GROUND_TYPES else 0
        refuse([plan for _org, plan in plans if plan.type == kind], len(own) + 1 + national)


@dataclass
class Totals:
    """What ``load`` made, for the command's summary."""

    requests: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    purged: int = 0
    emails: int = 0
    #: (organisation, status, link) of a few requests' status pages, to look at as the
    #: requester sees them.
    status_pages: list = field(default_factory=list)


def load(organisations: list[Organisation], *, now: datetime | None = None,
         seed: int = SEED) -> Totals:
    """Replay a year of requests for ``organisations`` (each must have no request yet), up to
    ``now``. Returns what was made."""
    replay = _Replay(organisations, now=now or timezone.now(), seed=seed)
    replay.run()
    for org in organisations:
        mine = Request.objects.filter(organisation=org, purged_at__isnull=True)
        for status in (Status.WAITING_FOR_SUBJECT, Status.IN_PROGRESS, Status.COMPLETED):
            request = (mine.filter(status=status).select_related("organisation")
                       .order_by("-extended_at", "-received_at").first())
            if request is not None:
                replay.totals.status_pages.append(
                    (org.name, Status(status).label, links.status_url(request)))
    return replay.totals


class _Replay:
    def __init__(self, organisations: list[Organisation], *, now: datetime, seed: int):
        # The story ends an hour ago, on the hour, so that a day's loads tell the same story
        # and no step is in the future for the services' checks.
        self.end = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
        self.start = self.end - timedelta(days=DAYS)
        self.organisations = organisations
        self.org_ids = [org.pk for org in organisations]
        self.seed = seed
        self.grounds_used: Counter = Counter()
        self.totals = Totals()
        # The history's e-mails went out back then, to invented addresses: through a backend
        # that keeps nothing, never to var/mail or a real server.
        self.mail = get_connection("django.core.mail.backends.dummy.EmailBackend")
        self.staff = {org.pk: _staff(org) for org in organisations}

    # The clock of the story ------------------------------------------------------------------

    def run(self) -> None:
        """Every step of every plan, and the daily sweeps, in time order."""
        queue: list[tuple[datetime, int, Iterator[datetime]]] = []
        order = 0

        def push(steps: Iterator[datetime]) -> None:
            nonlocal order
            moment = next(steps, None)
            if moment is not None:
                order += 1
                heapq.heappush(queue, (moment, order, steps))

        plans = [(org, plan) for org in self.organisations for plan in self._plans(org)]
        _a_refusal_for_every_ground(plans)
        for org, plan in plans:
            push(self._story(org, plan))
        push(self._mornings())
        while queue:
            moment, _order, steps = heapq.heappop(queue)
            push(steps)  # runs the step due at ``moment`` and schedules the next
            self._send_emails()

    def _mornings(self) -> Iterator[datetime]:
        """What beat does every day, once a day: reminders due by then, and the purge."""
        day = self.start.date() + timedelta(days=1)
        while True:
            moment = datetime.combine(day, time(7, 30), tzinfo=ZoneInfo("UTC"))
            if moment > self.end:
                return
            yield moment
            due = (Request.objects.filter(organisation_id__in=self.org_ids,
                                          next_reminder_at__lte=moment)
                   .order_by().values_list("pk", flat=True))
            for pk in list(due):
                reminders.process(pk, now=moment)
            purge = retention.due_for_purge(now=moment)
            if purge:
                mine = Request.objects.filter(pk__in=purge, organisation_id__in=self.org_ids)
                for pk in mine.order_by("pk").values_list("pk", flat=True):
                    self.totals.purged += retention.purge_request(pk, now=moment)
            day += timedelta(days=1)

    def _send_emails(self) -> None:
        """Deliver the e-mails the last step wrote, at the moment it wrote them."""
        pending = (OutgoingEmail.objects
                   .filter(state=OutgoingEmail.State.PENDING,
                           request__organisation_id__in=self.org_ids)
                   .values_list("pk", "created_at"))
        for pk, created_at in pending:
            self.totals.emails += notifications.deliver(pk, now=created_at,
                                                        connection=self.mail)

    # Plans --------------------------------------------------------------------------------

    def _plans(self, org: Organisation) -> list[Plan]:
        rng = random.Random(f"{self.seed}:{org.slug}")
        fake = Faker(LOCALES.get(org.country, "en_GB"))
        fake.seed_instance(f"{self.seed}:{org.slug}")
        relationships = sorted({r for system in org.systems.all()
                                for r in system.relationships} - {"other"}) or ["customer"]
        zone = ZoneInfo(org.time_zone)
        count = PER_YEAR.get(org.slug, DEFAULT_PER_YEAR)
        # Spread over the year, and the last three in the last three days: the queue always
        # has something new.
        days = sorted([rng.uniform(0.5, DAYS - 3) for _ in range(count - 3)]
                      + [DAYS - rng.uniform(0.1, 3) for _ in range(3)])
        received = [min(self._office_hours(self.start + timedelta(days=offset), zone, rng),
                        self.end - timedelta(minutes=rng.randint(20, 90)))
                    for offset in days]
        received.sort()
        ages = [(self.end - moment).days for moment in received]
        # Each organisation has a few overdue requests and one extended, still open: those
        # received one to two and a half months ago, in order.
        forced = {}
        middle = [index for index, age in enumerate(ages) if 36 <= age < 75]
        for index, fate in zip(middle, ["overdue", "extended_open", "overdue"], strict=False):
            forced[index] = fate
        # And, of the last weeks, one waits for the requester to confirm their identity and
        # one has just had that answer.
        recent = [index for index, age in enumerate(ages) if 5 <= age < 25]
        for index, fate in zip(recent, ["waiting", "identity_check"], strict=False):
            forced[index] = fate
        plans = []
        for index, moment in enumerate(received):
            age = ages[index]
            kind = _pick(rng, TYPES)
            channel = _pick(rng, CHANNELS)
            language = org.default_language if rng.random() < 0.85 else "en"
            name = fake.name()
            fate = forced.get(index) or self._fate(org, kind, age, index, count, rng)
            if fate == "unconfirmed":
                channel = Channel.WEB
            with_address = channel in (Channel.WEB, Channel.EMAIL) or (
                kind not in WITHOUT_ADDRESS) or rng.random() < 0.5
            email = _address(name, index, rng) if with_address else ""
            plans.append(Plan(
                received_at=moment, type=kind, channel=channel, language=language,
                relationship=rng.choice(relationships), name=name, email=email, fate=fate,
                identity_question=(index in forced and fate == "waiting") or (
                    kind in (RequestType.ACCESS, RequestType.ERASURE, RequestType.PORTABILITY)
                    and rng.random() < 0.3),
                clarification=rng.random() < 0.12,
                assigned=fate != "new" or rng.random() < 0.5,
                details=_details(kind, language, fake, rng, fate),
                controller=fake.company() if fate == "forward" else "",
            ))
        return plans

    @staticmethod
    def _office_hours(moment: datetime, zone: ZoneInfo, rng: random.Random) -> datetime:
        """Most requests come on a working day between 8 and 20 where the organisation is."""
        local = moment.astimezone(zone)
        if local.weekday() >= 5 and rng.random() < 0.7:
            local -= timedelta(days=local.weekday() - 4)
        hour = rng.randint(8, 19)
        local = datetime.combine(local.date(), time(hour, rng.randint(0, 59)), tzinfo=zone)
        return local.astimezone(ZoneInfo("UTC"))

    def _fate(self, org: Organisation, kind: str, age: int, index: int, count: int,
              rng: random.Random) -> str:
        """How the request ends, by its age: the newest are still new, a month's worth is
        being worked on, a few from one or two months ago are overdue or extended, the rest
        are closed."""
        newest = count - 1 - index
        if newest == 0:
            return "unconfirmed"
        if age < 4:
            return "new"
        if age < 28:
            fate = rng.choice(["progress", "progress", "waiting", "identity_check", "new",
                               "closing", "closing"])
            if fate != "closing":
                return fate
            # Closed within the month it came in: neither late nor extended (yet).
            fate = self._closing_fate(org, kind, rng)
            return {"late": "complete", "extended": "complete", "late_no_data": "no_data",
                    "extended_no_data": "no_data"}.get(fate, fate)
        return self._closing_fate(org, kind, rng)

    @staticmethod
    def _closing_fate(org: Organisation, kind: str, rng: random.Random) -> str:
        fates = list(CLOSED_FATES)
        if org.acts_mostly_as_processor:
            fates.append(("forward", 30))
        fate = _pick(rng, fates)
        if fate == "partly" and kind not in (RequestType.ERASURE, RequestType.RECTIFICATION):
            fate = "complete"
        if fate == "no_data" and kind not in outcomes.PER_SYSTEM_TYPES:
            fate = "complete"  # "no data held" answers only the rights answered per system
        if kind in (RequestType.ACCESS, RequestType.PORTABILITY) and fate in (
                "complete", "late", "extended"):
            # A copy of data found is a package built from the systems' exports; the demo
            # answers these from searches that found nothing (Art. 15(1): "no data held").
            fate = "no_data" if fate == "complete" else f"{fate}_no_data"
        return fate

    # One request's story -------------------------------------------------------------------

    def _story(self, org: Organisation, plan: Plan) -> Iterator[datetime]:
        """The steps of one request, each at its moment (``yield`` waits until then)."""
        rng = random.Random(f"{self.seed}:{org.slug}:{plan.received_at.isoformat()}")
        handler, lead = self.staff[org.pk]
        t = plan.received_at
        yield t
        request = self._file(org, plan, rng, t)
        if plan.channel == Channel.WEB:
            if plan.fate == "unconfirmed":
                return
            t = min(t + timedelta(minutes=rng.randint(2, 90)), self.end)
            yield t
            intake.confirm_request(request, now=t)  # the requester opens the link
        else:
            # Staff register what came by hand, not always the same day: a letter waits in
            # the post tray, some e-mails and calls until the next days. The reports count
            # these days (``figures.TimeToRegister``); the legal clock ran from arrival.
            delay = timedelta(minutes=rng.randint(5, 90))
            if plan.channel == Channel.LETTER or rng.random() < 0.3:
                delay += timedelta(days=rng.randint(1, 3))
            t = min(t + delay, self.end)
            yield t
            request, _token = intake.register_request(
                **self._fields(org, plan, rng), channel=plan.channel,
                received_at=plan.received_at, actor=handler, now=t)
        request.refresh_from_db()
        self.totals.requests[org.slug] += 1
        if plan.fate == "new":
            if plan.assigned:
                t = self._later(t, rng, hours=(0, 3))
                yield t
                workflow.assign(request, assignee=handler, actor=handler, now=t)
            return

        t = self._later(t, rng, hours=(2, 40))
        yield t
        workflow.assign(request, assignee=handler, actor=handler, now=t)
        if plan.identity_question:
            workflow.ask_subject(request, body=TEXT[plan.language]["identity"],
                                 purpose=Message.Purpose.IDENTITY, actor=handler, now=t)
            if plan.fate == "waiting":
                return
            t = self._later(t, rng, hours=(6, 96))
            yield t
            self._reply(request, plan, rng, handler, t)
            if plan.fate == "identity_check":
                return
            t = self._later(t, rng, hours=(1, 24))
            yield t
        elif plan.fate == "identity_check":
            workflow.ask_subject(request, body=TEXT[plan.language]["identity"],
                                 purpose=Message.Purpose.IDENTITY, actor=handler, now=t)
            t = self._later(t, rng, hours=(6, 72))
            yield t
            self._reply(request, plan, rng, handler, t)
            return
        workflow.start_work(request, actor=handler, now=t)
        if plan.clarification or plan.fate == "waiting":
            t = self._later(t, rng, hours=(2, 48))
            yield t
            workflow.ask_subject(request, body=TEXT[plan.language]["clarify"],
                                 purpose=Message.Purpose.CLARIFICATION, actor=handler, now=t)
            if plan.fate == "waiting":
                return
            t = self._later(t, rng, hours=(4, 72))
            yield t
            self._reply(request, plan, rng, handler, t)
        if plan.fate in ("progress", "overdue"):
            t = self._later(t, rng, hours=(2, 72))
            yield t
            self._search(request, plan, rng, handler, t, finish=False)
            return
        extends = plan.fate in ("extended_open", "extended", "extended_no_data")
        if extends:
            request.refresh_from_db()
            notice_by = datetime.combine(legal.extension_notice_by(request), time(12),
                                         tzinfo=ZoneInfo(org.time_zone))
            # Within the month the notice must be given in (Art. 12(3)), and not before now.
            t = max(t, min(plan.received_at + timedelta(days=rng.randint(12, 24)), notice_by,
                           self.end))
            yield t
            told = self._told(request, t)
            workflow.extend(request, reason=rng.choice(ExtensionReason.values),
                            explanation=TEXT[plan.language]["extend"], actor=lead, told=told,
                            now=t)
        if plan.fate == "extended_open":
            t = self._later(t, rng, hours=(24, 96))
            yield t
            self._search(request, plan, rng, handler, t, finish=False)
            return

        # Closing: on time mostly, late or after the extension for some.
        request.refresh_from_db()
        if plan.fate in ("late", "late_no_data"):
            close = datetime.combine(request.due_date + timedelta(days=rng.randint(2, 12)),
                                     time(rng.randint(8, 15)), tzinfo=ZoneInfo(org.time_zone))
        elif extends:
            close = plan.received_at + timedelta(days=rng.randint(40, 75))
        else:
            close = plan.received_at + timedelta(days=rng.uniform(2, 26))
        t = max(self._later(t, rng, hours=(1, 8)), min(close, self.end))
        yield t
        self._close(request, plan, rng, handler, lead, t)

    def _file(self, org: Organisation, plan: Plan, rng: random.Random,
              t: datetime) -> Request | None:
        """The request arrives: a requester sends the web form (and confirms the address in
        the next step); a request by e-mail, phone, letter or in person comes in, and staff
        register it in the next step (None here)."""
        if plan.channel != Channel.WEB:
            return None
        return intake.submit_request(**self._fields(org, plan, rng), now=t)

    @staticmethod
    def _fields(org: Organisation, plan: Plan, rng: random.Random) -> dict:
        return {"organisation": org, "request_type": plan.type, "language": plan.language,
                "subject_name": plan.name, "subject_email": plan.email,
                "relationship": plan.relationship, "details": plan.details,
                "description": rng.choice(TEXT[plan.language][plan.type])}

    def _reply(self, request: Request, plan: Plan, rng: random.Random, handler,
               t: datetime) -> None:
        """The requester answers on the status page, or by phone or letter."""
        if plan.email:
            workflow.subject_replied(request, body=rng.choice(TEXT[plan.language]["reply"]),
                                     now=t)
        else:
            workflow.answer_received(request, actor=handler, now=t)

    def _search(self, request: Request, plan: Plan, rng: random.Random, actor,
                t: datetime, *, finish: bool, nothing: bool = False) -> None:
        """Mark each system of the checklist: searched, and what was found or done there."""
        items = list(request.checklist.all())
        done_one = False
        for item in items:
            found = not nothing and (not done_one or rng.random() < 0.4)
            if not finish:
                state = (ChecklistItem.State.DATA_FOUND if found
                         else ChecklistItem.State.NOTHING_FOUND)
                checklist.mark(item, state=state, actor=actor, now=t)
                if rng.random() < 0.5:
                    break  # the work is under way: some systems not yet searched
                continue
            if not found:
                checklist.mark(item, state=ChecklistItem.State.NOTHING_FOUND, actor=actor,
                               now=t)
                continue
            done_one = True
            extra = {}
            if plan.type == RequestType.RECTIFICATION:
                extra = {"value_before": TEXT[plan.language]["wrong"],
                         "value_after": TEXT[plan.language]["right"]}
            checklist.mark(item, state=ChecklistItem.State.DONE, actor=actor, now=t,
                           recipients_told="", **extra)

    def _told(self, request: Request, t: datetime) -> notice.Told | None:
        """Without an e-mail address, staff say how and when they told the requester."""
        if request.subject_email:
            return None
        by = request.channel if request.channel in (Channel.LETTER, Channel.PHONE,
                                                    Channel.IN_PERSON) else Channel.LETTER
        return notice.Told(by=by, at=t - timedelta(minutes=30))

    def _close(self, request: Request, plan: Plan, rng: random.Random, handler, lead,
               t: datetime) -> None:
        text = TEXT[request.language]
        told = self._told(request, t)
        fate = plan.fate.removesuffix("_no_data") if plan.fate.endswith("_no_data") else (
            plan.fate)
        nothing = plan.fate.endswith("no_data")
        if fate == "withdraw":
            workflow.withdraw(request, how=text["withdraw"], actor=handler, now=t)
        elif fate == "refuse":
            ground = self._ground(request)
            workflow.refuse(request, ground=ground, answer=text["refuse"], actor=lead,
                            told=told, now=t)
        elif fate == "forward":
            by_portal = bool(rng.random() < 0.6)
            workflow.forward(
                request, controller_name=plan.controller,
                controller_contact=f"personvern@{rng.choice(DOMAINS)}", answer=text["forward"],
                actor=handler, told=told, now=t,
                forwarded_by=ForwardedBy.PORTAL if by_portal else ForwardedBy.LETTER,
                forwarded_at=None if by_portal else t - timedelta(hours=2))
        else:
            self._search(request, plan, rng, handler, t, finish=True,
                         nothing=nothing)
            actor = handler
            if fate == "partly":
                self._keep_some(request, plan, lead, t + timedelta(minutes=2))
                actor = lead
            self._record_outcome(request, plan, handler, t + timedelta(minutes=4))
            t += timedelta(minutes=6)
            workflow.complete(request, answer=text["no_data" if nothing else "answer"],
                              actor=actor, told=told, now=t)
        request.refresh_from_db()
        self.totals.statuses[request.status] += 1

    def _ground(self, request: Request) -> str:
        """The ground of a refusal: of those the request's type may be refused on, the one
        used least so far, so the demo shows every ground that applies."""
        grounds = outcomes.refusal_grounds(request)
        # Of those used equally, the rarest first: a national restriction (one right, one
        # country), then the right's own, then those of every right
        # (``_a_refusal_for_every_ground`` counts on this order).
        own = set(outcomes.TYPE_GROUNDS[request.type])
        national = set(outcomes.NATIONAL_GROUNDS.values())

        def rarity(g: RefusalGround) -> int:
            return 0 if g in national else 1 if g in own else 2

        ground = min(grounds, key=lambda g: (self.grounds_used[g], rarity(g),
                                             grounds.index(g)))
        self.grounds_used[ground] += 1
        return RefusalGround(ground).value

    def _keep_some(self, request: Request, plan: Plan, lead, t: datetime) -> None:
        """A partial refusal: one system keeps its data on a ground (Art. 17(3) or 16)."""
        item = request.checklist.order_by("system_name", "id").first()
        if plan.type == RequestType.ERASURE:
            keep = {"kept_ground": RefusalGround.ERASURE_LEGAL_OBLIGATION.value,
                    "kept_until": legal.local_date(request, t) + timedelta(days=5 * 365)}
        else:
            keep = {"kept_ground": RefusalGround.RECTIFICATION_ACCURATE.value}
        checklist.mark(item, state=ChecklistItem.State.DATA_FOUND, actor=lead, now=t, **keep)

    def _record_outcome(self, request: Request, plan: Plan, actor, t: datetime) -> None:
        """The outcome the right needs beyond the checklist (Art. 18, 21, 7(3))."""
        text = TEXT[request.language]
        today = legal.local_date(request, t)
        if request.type == RequestType.RESTRICTION:
            outcomes.record(request, actor=actor, now=t,
                            restricted_processing=text["processing"],
                            restriction_ground="accuracy",
                            restricted_until=today + timedelta(days=420))
        elif request.type == RequestType.OBJECTION and not outcomes.outcome_of(
                request).direct_marketing:
            outcomes.record(request, actor=actor, now=t, balancing=text["balancing"],
                            objection_upheld=True)
        elif request.type == RequestType.CONSENT_WITHDRAWAL:
            outcomes.record(request, actor=actor, now=t, consent_withdrawn=text["consent"],
                            consent_withdrawn_at=request.received_at)

    def _later(self, t: datetime, rng: random.Random, *, hours: tuple[int, int]) -> datetime:
        """A moment some hours after ``t``, never after the end of the story."""
        return min(t + timedelta(hours=rng.uniform(*hours)), self.end)


def _staff(org: Organisation):
    """The demo handler and a decision maker (compliance lead or organisation admin)."""
    members = Membership.objects.filter(organisation=org).select_related("user")
    handler = next(m.user for m in members if m.role == Membership.Role.HANDLER)
    lead = next(m.user for m in members if m.role in (Membership.Role.COMPLIANCE_LEAD,
                                                       Membership.Role.ORG_ADMIN))
    return handler, lead


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _address(name: str, index: int, rng: random.Random) -> str:
    local = "".join(ch for ch in name.lower().replace(" ", ".") if ch.isalnum() or ch == ".")
    local = local.encode("ascii", "ignore").decode() or "person"
    return f"{local}.{index}@{rng.choice(DOMAINS)}"


def _details(kind: str, language: str, fake: Faker, rng: random.Random, fate: str) -> dict:
    """What the form asks for each right (``forms``), filled in as a requester would."""
    text = TEXT[language]
    if kind == RequestType.RECTIFICATION:
        return {"what_is_wrong": text["wrong"], "correct_value": fake.street_address()}
    if kind == RequestType.ERASURE:
        return {"erasure_scope": "everything"}
    if kind == RequestType.RESTRICTION:
        return {"processing": text["processing"], "restriction_ground": "accuracy_contested"}
    if kind == RequestType.PORTABILITY:
        return {"data_wanted": rng.choice(text["portability"]),
                "preferred_format": rng.choice(["json", "csv", "any"])}
    if kind == RequestType.OBJECTION:
        if fate == "refuse" or rng.random() < 0.3:
            return {"objection_kind": "other", "processing": text["processing"],
                    "grounds": rng.choice(text["objection"])}
        return {"objection_kind": "direct_marketing", "marketing_channels": ["email"]}
    if kind == RequestType.CONSENT_WITHDRAWAL:
        return {"consent": text["consent"]}
    return {}


def without_requests(slugs: list[str]) -> list[Organisation]:
    """The demo organisations whose history is not loaded yet: those with no request."""
    return list(Organisation.objects.filter(slug__in=slugs)
                .exclude(pk__in=Request.objects.values("organisation_id")).order_by("slug"))
