"""Every admin URL, walked as a member of another organisation, gives nothing of org_no away.

The URLs are found, not listed: every pattern of ``admin.site.get_urls()``, with each
ModelAdmin's ``get_urls()`` (its custom views too), so a view added later is walked without an
edit here. Each path parameter is filled in with the ids of org_no's objects (a request with
its events, checklist, messages, attachment and reminders; org_no's system, membership, reply
template, e-mail, staff user, OTP devices, login records, admin history), and with the
outsider's own objects where a URL takes two (org_no's attachment under one's own request).

The walker is org_dk's handler (``outsider``; tests/otp_login.py makes ``force_login`` pass the
second factor), then the same user as org_dk's admin with every permission on the portal's
models, so that only the scoping to organisations stands between them and org_no's data:

- an URL of org_no's object answers 404 or 403 to GET and POST (or sends to the login page),
  never a page or Django's redirect to the index;
- no answer (lists with searches and filters, the index, autocomplete, history, one's own
  objects' pages, files) shows org_no's strings: the request's reference, the requester's
  name, e-mail and phone, the texts of its events, messages, checklist, e-mails and history,
  file names and contents, org_no's staff, or org_no's name in a list's rows;
- those POSTs and every bulk action with org_no's ids change none of org_no's rows.

Each test prints the URLs it walked (``pytest -s``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import product

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, resolve
from django.urls.resolvers import RegexPattern
from django.utils import timezone

from requests_app import events, outcomes
from requests_app.casework import conversation
from requests_app.identity import configuration
from requests_app.models import (
    Attachment,
    ChecklistItem,
    DataSystem,
    Event,
    IdentityVerification,
    Invitation,
    Membership,
    Message,
    OutgoingEmail,
    ProcessingRecord,
    Reminder,
    ReplyTemplate,
)
from tests.factories import make_request

ADMIN = "/admin/"
LOGIN = "/admin/login/"
MIN_URLS = 30
CAP = 3  # objects tried per model and parameter


# --- Finding the URLs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AdminRoute:
    route: str  # below /admin/, e.g. "requests_app/request/<path:object_id>/change/"
    model: str | None  # the ModelAdmin's model ("requests_app.request"), None for the site's
    params: tuple[str, ...]
    regex: bool

    @property
    def is_changelist(self) -> bool:
        return self.model is not None and not self.params and self.route.count("/") == 2


_PARAM = re.compile(r"<(?:[^>:]+:)?([^>]+)>")


def discover_admin_routes() -> list[AdminRoute]:
    """Every URL pattern under the admin site, ModelAdmins' own ``get_urls()`` included."""
    by_prefix = {f"{m._meta.app_label}/{m._meta.model_name}/": m._meta.label_lower
                 for m in admin.site._registry}
    found = []

    def walk(patterns, prefix, model):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                part = str(pattern.pattern)
                walk(pattern.url_patterns, prefix + part, model or by_prefix.get(part))
            elif isinstance(pattern, URLPattern):
                if isinstance(pattern.pattern, RegexPattern):
                    params = tuple(pattern.pattern.regex.groupindex)
                    found.append(AdminRoute(prefix + str(pattern.pattern), model, params,
                                            regex=True))
                else:
                    route = prefix + str(pattern.pattern)
                    found.append(AdminRoute(route, model, tuple(_PARAM.findall(route)),
                                            regex=False))

    walk(admin.site.get_urls(), "", None)
    return found


ROUTES = discover_admin_routes()

# Tests that fail today, by the name pytest gives them, each with the reason: marked
# xfail(strict=True), so a fix makes them fail until they are taken out of this list.
KNOWN_FAILURES: dict[str, str] = {}
WALKERS = ["handler", "org-admin-with-every-permission"]


@pytest.fixture(autouse=True)
def _known_failures(request):
    reason = KNOWN_FAILURES.get(request.node.name)
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


# --- org_no's data (foreign) and the outsider's (own) -------------------------------------------


@dataclass
class World:
    foreign: dict[str, list] = field(default_factory=dict)  # model label -> pks
    own: dict[str, list] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)  # never shown to the outsider
    org_name: str = ""  # never in a data row
    own_reference: str = ""
    files: list = field(default_factory=list)
    walked: list[str] = field(default_factory=list)

    def first(self, side: str, label: str) -> list:
        return getattr(self, side).get(label, [])[:CAP]


def _pks_by_model() -> dict[str, set]:
    return {m._meta.label_lower: set(m._default_manager.values_list("pk", flat=True))
            for m in apps.get_models()}


def _parts_of_a_request(subject_request, *, author, tag: str, system: DataSystem):
    """Events, checklist, messages, an attachment (a real file), reminders, an e-mail."""
    events.record(subject_request, Event.Kind.NOTE, actor=author,
                  message=f"{tag}EVENT called the requester")
    ChecklistItem.objects.create(request=subject_request, system=system,
                                 system_name=system.name, state=ChecklistItem.State.DATA_FOUND,
                                 note=f"{tag}NOTE found data", updated_by=author,
                                 updated_at=timezone.now())
    message = Message.objects.create(request=subject_request,
                                     direction=Message.Direction.FROM_SUBJECT,
                                     purpose=Message.Purpose.REPLY,
                                     body=f"{tag}MSG here is my passport")
    attachment = conversation.store_attachment(message, upload=SimpleUploadedFile(
        f"{tag}FILE-passport.pdf", f"%PDF-1.4 {tag}FILECONTENT".encode(),
        content_type="application/pdf"))
    Reminder.objects.create(request=subject_request, kind="before_7",
                            for_due_date=subject_request.due_date,
                            recipients=author.email)
    OutgoingEmail.objects.create(request=subject_request, kind="news",
                                 to=subject_request.subject_email, language="nb",
                                 subject=f"{tag}MAILSUBJECT", body_text=f"{tag}MAILBODY")
    LogEntry.objects.create(user=author, content_type=ContentType.objects.get_for_model(
        subject_request), object_id=str(subject_request.pk),
        object_repr=subject_request.reference, action_flag=CHANGE,
        change_message=f"{tag}HISTORY changed")
    return attachment


def _mailbox_with_a_message(org, *, tag):
    """The organisation's privacy mailbox with one e-mail waiting in triage."""
    from datetime import UTC, datetime

    from requests_app.mailbox import fetch
    from requests_app.models import Mailbox

    mailbox = Mailbox.objects.create(organisation=org, host="imap.example.no",
                                     username=f"{tag}MAILBOXUSER", folder=f"{tag}INBOX")
    sender = f"{tag.lower()}.sender@example.no"
    raw = (f"From: {tag}SENDER <{sender}>\r\nSubject: {tag}INBOX innsyn\r\n\r\n"
           f"{tag}MSG innsyn\r\n").encode()
    fetch.save_message(mailbox, uidvalidity=1, uid=1, raw=raw, size=len(raw),
                       arrival=datetime(2026, 12, 1, tzinfo=UTC))


def _staff_of(org, username, django_user_model):
    user = django_user_model.objects.create_user(
        username=username, email=f"{username}@{org.slug}.example", password="pw-for-tests-1",
        is_staff=True)
    Membership.objects.create(user=user, organisation=org, role=Membership.Role.HANDLER)
    return user


@pytest.fixture
def world(request, outsider, org_dk, django_user_model) -> World:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from staff import auth as staff_auth

    world = World()
    # A group, so that the auth pages have an object to walk (roles are no groups any more).
    Group.objects.create(name="OWNGROUP auditors")
    # The outsider's own organisation: a request with all its parts.
    own_system = DataSystem.objects.create(organisation=org_dk, name="OWNSYSTEM Kasse")
    own_request = make_request(org_dk, assignee=outsider, subject_name="Ole Egen",
                               subject_email="ole.egen@example.dk")
    world.files.append(_parts_of_a_request(own_request, author=outsider, tag="OWN",
                                           system=own_system))
    ReplyTemplate.objects.create(organisation=org_dk, outcome="completed", language="da",
                                 name="OWNTEMPLATE", body="Hej {name}")
    ProcessingRecord.objects.create(
        organisation=org_dk, name="OWNRECORD Kunder", purposes="Levering", legal_basis="contract",
        data_categories="Navn", retention="5 år").systems.set([own_system])
    outcomes.suppress(org_dk, "ole.egen@example.dk", request=own_request)
    configuration.configure(org_dk, actor=None, issuer="https://own.broker.example",
                            client_id="OWNCLIENT", client_secret="s", methods=["dk_mitid"],
                            level="substantial", discover=False)
    Invitation.objects.create(email="owninvite@example.dk", organisation=org_dk,
                              token_hash="own-invitation", expires_at=timezone.now())
    world.own_reference = own_request.reference
    _mailbox_with_a_message(org_dk, tag="OWN")
    before = _pks_by_model()

    # org_no, with everything that can belong to it.
    org_no = request.getfixturevalue("org_no")
    nora = _staff_of(org_no, "nora-lekkasje", django_user_model)
    system = DataSystem.objects.create(organisation=org_no, name="LEAKSYSTEM CRM",
                                       holds="LEAKHOLDS customers")
    subject_request = make_request(
        org_no, assignee=nora, subject_name="Ingrid Lekkasjesen",
        subject_email="ingrid.lekkasjesen@example.no", subject_phone="40099123",
        description="LEAKDESC customer number 998877")
    world.files.append(_parts_of_a_request(subject_request, author=nora, tag="LEAK",
                                           system=system))
    ReplyTemplate.objects.create(organisation=org_no, outcome="completed", language="nb",
                                 name="LEAKTEMPLATE name", body="LEAKTEMPLATEBODY {name}")
    ProcessingRecord.objects.create(
        organisation=org_no, name="LEAKRECORD customers", purposes="LEAKPURPOSE delivery",
        legal_basis="contract", data_categories="LEAKCATEGORIES name",
        retention="5 years").systems.set([system])
    leak_hash = outcomes.suppress(org_no, "ingrid.lekkasjesen@example.no",
                                  request=subject_request).email_hash
    configuration.configure(org_no, actor=None, issuer="https://leakbroker.example",
                            client_id="LEAKCLIENT", client_secret="s", methods=["no_bankid"],
                            level="substantial", discover=False)
    IdentityVerification.objects.create(request=subject_request, method="no_bankid",
                                        level="high", verified_name="LEAKVERIFIED Ingrid",
                                        subject_hash="0" * 64)
    Invitation.objects.create(email="leakinvite@example.no", organisation=org_no,
                              token_hash="leak-invitation", expires_at=timezone.now())
    staff_auth.enrol_totp(nora)
    staff_auth.new_backup_codes(nora, n=2)
    AccessAttempt.objects.create(username=nora.username, ip_address="192.0.2.1",
                                 user_agent="LEAKAGENT", failures_since_start=1,
                                 get_data="", post_data="", http_accept="", path_info="")
    AccessLog.objects.create(username=nora.username, ip_address="192.0.2.1",
                             user_agent="LEAKAGENT", http_accept="", path_info="")
    AccessFailureLog.objects.create(username=nora.username, ip_address="192.0.2.1",
                                    user_agent="LEAKAGENT", http_accept="", path_info="")

    _mailbox_with_a_message(org_no, tag="LEAK")
    after = _pks_by_model()
    for label, pks in after.items():
        if pks - before.get(label, set()):
            world.foreign[label] = sorted(pks - before.get(label, set()))
        if before.get(label):
            world.own[label] = sorted(before[label])
    world.secrets = [
        subject_request.reference, "Ingrid Lekkasjesen", "ingrid.lekkasjesen@example.no",
        "40099123", "LEAKDESC", "LEAKEVENT", "LEAKNOTE", "LEAKMSG", "LEAKFILE",
        "LEAKFILECONTENT", "LEAKMAILSUBJECT", "LEAKMAILBODY", "LEAKHISTORY", "LEAKSYSTEM",
        "LEAKHOLDS", "LEAKTEMPLATE", "LEAKAGENT", "nora-lekkasje", "LEAKRECORD",
        "LEAKPURPOSE", "LEAKCATEGORIES", leak_hash[:16], "LEAKCLIENT", "leakbroker",
        "LEAKVERIFIED", "leakinvite", "LEAKMAILBOXUSER", "LEAKINBOX", "leak.sender@example.no",
    ]
    world.org_name = org_no.name
    yield world
    for attachment in world.files:
        attachment.file.delete(save=False)


@pytest.fixture(params=WALKERS)
def outsider_client(request, client, outsider, world):
    """org_dk's handler; then the same user as org_dk's admin holding every permission of the
    portal's models, so that no view is closed to them by a permission alone: what keeps
    org_no's data away must be the scoping to their organisation."""
    if request.param != "handler":
        from django.contrib.auth.models import Permission

        Membership.objects.filter(user=outsider).update(role=Membership.Role.ORG_ADMIN)
        outsider.user_permissions.add(
            *Permission.objects.filter(content_type__app_label="requests_app"))
    client.force_login(outsider)
    assert client.get(ADMIN).status_code == 200  # signed in with both factors
    return client


# --- Filling in and checking ----------------------------------------------------------------------


def _fill(route: AdminRoute, values: dict[str, object]) -> str:
    if route.regex:
        text = route.route.lstrip("^").rstrip("$")
        for name, value in values.items():
            start = text.index(f"(?P<{name}>")
            depth, end = 0, start
            for end in range(start, len(text)):
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                if depth == 0:
                    break
            text = text[:start] + str(value) + text[end + 1:]
        return ADMIN + text
    return ADMIN + _PARAM.sub(lambda m: str(values[m.group(1)]), route.route)


def _model_of_param(route: AdminRoute, name: str) -> str | None:
    if name in ("object_id", "pk", "id") or route.params.index(name) == 0:
        return route.model
    base = re.sub(r"_(id|pk)$", "", name).replace("_", "")
    for model in apps.get_models():
        if model._meta.model_name == base:
            return model._meta.label_lower
    return route.model


def concrete_urls(route: AdminRoute, world: World) -> list[tuple[str, str]]:
    """(kind, URL): kind "list" (no object), "foreign" (every object org_no's), "mixed" (one's
    own object and org_no's), "own" (one's own objects only)."""
    if not route.params:
        return [("list", ADMIN + route.route)]
    if route.params == ("app_label",):
        group = re.search(r"\(\?P<app_label>([^)]*)\)", route.route).group(1)
        return [("list", _fill(route, {"app_label": label})) for label in group.split("|")]
    if route.params == ("url",):  # the catch-all: a slash missing, an unknown page
        urls = [("list", _fill(route, {"url": "no-such-page/"}))]
        for label, pks in world.foreign.items():
            model = apps.get_model(label)
            if model in admin.site._registry:
                path = f"{model._meta.app_label}/{model._meta.model_name}/{pks[0]}"
                urls += [("foreign", _fill(route, {"url": path})),
                         ("foreign", _fill(route, {"url": f"{path}/change"}))]
        return urls
    if set(route.params) == {"content_type_id", "object_id"}:  # "view on site"
        urls = []
        for side in ("foreign", "own"):
            for label, pks in getattr(world, side).items():
                content_type = ContentType.objects.get_for_model(apps.get_model(label))
                urls.append((side, _fill(route, {"content_type_id": content_type.pk,
                                                  "object_id": pks[0]})))
        return urls
    models = [_model_of_param(route, name) for name in route.params]
    urls = []
    for sides in product(("foreign", "own"), repeat=len(route.params)):
        choices = [world.first(side, model) for side, model in zip(sides, models, strict=True)]
        kind = ("foreign" if set(sides) == {"foreign"} else
                "own" if set(sides) == {"own"} else "mixed")
        for values in product(*choices):
            urls.append((kind, _fill(route, dict(zip(route.params, values, strict=True)))))
    return urls


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _data_rows(html: str) -> str:
    """The rows of a change list's table: where an organisation's name would be its data."""
    match = re.search(r'<table id="result_list".*?</table>', html, re.S)
    return match.group(0) if match else ""


def _leaks(world: World, response, *, list_page: bool, echoed: str = "") -> list[str]:
    text = _body(response) + " " + response.get("Location", "")
    if echoed:  # a search term shown back (search box, links) is not a leak; a row with it is
        rows = re.sub(r'href="[^"]*"', "", _data_rows(text))
        text = text.replace(echoed, "") + rows
    found = [s for s in world.secrets if s in text]
    where = _data_rows(text) if list_page else text
    if world.org_name in where:
        found.append(world.org_name)
    return found


def _fetch(client, method: str, url: str, data=None):
    """The response, following redirects inside the admin (not to the login page or the
    index): [(url, response), ...] and how it ended."""
    chain = []
    response = getattr(client, method)(url, data or {})
    chain.append((url, response))
    for _hop in range(5):
        if response.status_code not in (301, 302, 303, 307, 308):
            return chain, str(response.status_code)
        location = response["Location"]
        if location.startswith(LOGIN):
            return chain, "login"
        if location.split("?")[0] == ADMIN:
            return chain, "index"
        if not location.startswith(ADMIN):
            return chain, f"redirect outside the admin: {location}"
        url, response = location, client.get(location)
        chain.append((url, response))
    return chain, "redirect loop"


REFUSED = {"403", "404", "405", "login"}


def _check(client, world: World, method: str, url: str, route: AdminRoute,
           problems: list[str], data=None, echoed: str = ""):
    """Fetch ``url`` (and where it redirects inside the admin); note any of org_no's strings."""
    chain, ending = _fetch(client, method, url, data)
    world.walked.append(f"{method.upper()} {url} -> {ending}")
    for hop_url, response in chain:
        leaks = _leaks(world, response, list_page=route.is_changelist, echoed=echoed)
        if leaks:
            problems.append(f"{method.upper()} {url}: {hop_url} shows {leaks}")


def _list_variants(route: AdminRoute, world: World, org_no_pk: int, request_pk: int):
    """Query strings tried on a change list: searches for org_no's strings, its filters."""
    yield "", ""
    for term in world.secrets[:3] + [world.org_name]:
        yield f"?q={term}", term
    for lookup in ("organisation__id__exact", "organisation", "request__organisation__id__exact",
                   "organisation__id__in"):
        yield f"?{lookup}={org_no_pk}", ""
    yield f"?request__id__exact={request_pk}", ""
    yield f"?id__exact={request_pk}", ""
    yield "?_popup=1&_to_field=id", ""


def _autocomplete_variants(world: World):
    """Every foreign key to a model with a ModelAdmin, with org_no's strings as the term."""
    for model in apps.get_models():
        for model_field in model._meta.get_fields():
            remote = getattr(getattr(model_field, "remote_field", None), "model", None)
            if remote in admin.site._registry and getattr(model_field, "concrete", False):
                for term in ("", "LEAK", "Ingrid", "nora", world.secrets[0], "Testfirma"):
                    yield (f"?app_label={model._meta.app_label}"
                           f"&model_name={model._meta.model_name}"
                           f"&field_name={model_field.name}&term={term}")


def _snapshot(world: World) -> dict:
    """org_no's rows as they are, and how many rows point at them."""
    state = {}
    for label, pks in world.foreign.items():
        model = apps.get_model(label)
        state[label] = serializers.serialize("json", model._default_manager.filter(pk__in=pks)
                                             .order_by("pk"))
    request_pks = world.foreign["requests_app.request"]
    for model in (Event, Message, Attachment, ChecklistItem, Reminder, OutgoingEmail):
        state[f"count {model._meta.label}"] = model.objects.filter(
            request_id__in=request_pks).count()
    return state


# --- The tests ---------------------------------------------------------------------------------


def test_the_walk_finds_every_admin_url(world, outsider_client):
    routes = {route.route for route in ROUTES}
    for expected in ("", "autocomplete/", "requests_app/request/",
                     "requests_app/request/<path:object_id>/change/",
                     "requests_app/request/<path:object_id>/history/",
                     "requests_app/request/<path:object_id>/extend/",
                     "r/<path:content_type_id>/<path:object_id>/"):
        assert expected in routes
    for model in admin.site._registry:
        prefix = f"{model._meta.app_label}/{model._meta.model_name}/"
        assert prefix in routes, f"no change list found for {model._meta.label}"

    urls = [url for route in ROUTES for url in concrete_urls(route, world)]
    print(f"\n{len(ROUTES)} admin URL patterns, {len(urls)} URLs:")
    for kind, url in urls:
        print(f"  {kind:8} {url}")
    assert len(urls) >= MIN_URLS
    for route in ROUTES:
        assert concrete_urls(route, world), f"nothing to walk for {route.route}"
    assert not set(KNOWN_FAILURES) - _test_names(), "KNOWN_FAILURES names a test that is gone"
    # The walker sees their own organisation's rows, so a row of org_no's would be seen too.
    own_list = outsider_client.get(f"{ADMIN}requests_app/request/").content.decode()
    assert world.own_reference in _data_rows(own_list)
    for route in ROUTES:  # each URL is the pattern it was made for
        if not route.regex:
            for _kind, url in concrete_urls(route, world):
                assert resolve(url).route == "admin/" + route.route, url


@pytest.mark.parametrize("route", [pytest.param(route, id=route.route or "<index>")
                                   for route in ROUTES])
def test_another_organisations_member_sees_nothing_at(route, world, outsider_client, org_no):
    """Every URL of the pattern, with every query tried on lists: none of org_no's strings in
    any answer, and org_no's data as it was (after POSTs to its objects' URLs too)."""
    client, problems = outsider_client, []
    before = _snapshot(world)
    request_pk = world.foreign["requests_app.request"][0]

    for kind, url in concrete_urls(route, world):
        if route.is_changelist:
            for query, echoed in _list_variants(route, world, org_no.pk, request_pk):
                _check(client, world, "get", url + query, route, problems,
                       echoed=echoed)
        elif route.route == "autocomplete/":
            _check(client, world, "get", url, route, problems)
            for query in _autocomplete_variants(world):
                _check(client, world, "get", url + query, route, problems)
        else:
            _check(client, world, "get", url, route, problems)
        if kind in ("foreign", "mixed"):
            _check(client, world, "post", url, route, problems, data=POSTED)

    print(f"\nWalked {len(world.walked)} URLs:\n  " + "\n  ".join(world.walked))
    assert _snapshot(world) == before, "org_no's data changed"
    assert client.get(ADMIN).status_code == 200  # still signed in: the walk was not refused
    leaks = [problem for problem in problems if " shows " in problem]
    assert not leaks, "\n".join(leaks)


# A form sent to an object's page: a delete confirmed, a decision, a save.
POSTED = {"post": "yes", "_save": "1", "reason": "complex", "explanation": "x" * 20,
          "body": "LEAKPOST", "text": "LEAKPOST"}
OBJECT_ROUTES = [route for route in ROUTES if set(route.params) - {"app_label"}]


@pytest.mark.parametrize("route", [pytest.param(route, id=route.route or "<index>")
                                   for route in OBJECT_ROUTES])
def test_another_organisations_object_is_404_or_403_at(route, world, outsider_client):
    """GET and POST of org_no's objects (or one's own with org_no's inside) are refused:
    404 or 403 (405 for a method the view does not take), never a page or a redirect."""
    client, problems = outsider_client, []
    urls = [(kind, url) for kind, url in concrete_urls(route, world) if kind != "own"]
    if not urls:
        pytest.skip(f"org_no has no {route.model} (not an organisation's object)")

    for kind, url in urls:
        if kind in ("foreign", "mixed"):
            for method, data in (("get", None), ("post", POSTED)):
                chain, ending = _fetch(client, method, url, data)
                world.walked.append(f"{method.upper()} {url} -> {ending}")
                if ending not in REFUSED:
                    problems.append(f"{method.upper()} {url} answers {ending!r}")

    print(f"\nWalked {len(world.walked)} URLs:\n  " + "\n  ".join(world.walked))
    assert not problems, "\n".join(problems)


ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.mark.parametrize("model_admin", [pytest.param(model_admin, id=model._meta.label)
                                         for model, model_admin in ADMINS])
def test_bulk_actions_with_another_organisations_ids_change_nothing(
        model_admin, world, outsider_client, outsider, django_user_model):
    client, problems = outsider_client, []
    opts = model_admin.model._meta
    pks = [str(pk) for pk in world.foreign.get(opts.label_lower, [])]
    if not pks:
        pytest.skip(f"org_no has no {opts.verbose_name_plural}")
    boss = django_user_model.objects.create_superuser("walk-boss", "boss@example.no", "pw-1")
    names = set()
    for user in (outsider, boss):  # the actions the outsider is offered, and all there are
        request = RequestFactory().get("/")
        request.user = user
        names |= set(model_admin.get_actions(request))
    before = _snapshot(world)
    changelist = f"{ADMIN}{opts.app_label}/{opts.model_name}/"
    route = AdminRoute(f"{opts.app_label}/{opts.model_name}/", opts.label_lower, (), False)

    for name in sorted(names):
        for extra in ({}, {"post": "yes"}, {"apply": "1", "assignee": str(outsider.pk)},
                      {"index": "0"}):
            data = {"action": name, ACTION_CHECKBOX_NAME: pks, **extra}
            chain, ending = _fetch(client, "post", changelist, data)
            world.walked.append(f"POST {changelist} action={name} {extra} -> {ending}")
            for hop_url, response in chain:
                leaks = _leaks(world, response, list_page=route.is_changelist)
                if leaks:
                    problems.append(f"action {name} {extra}: {hop_url} shows {leaks}")

    print(f"\nPosted {len(world.walked)} actions:\n  " + "\n  ".join(world.walked))
    assert _snapshot(world) == before, "an action changed org_no's data"
    assert not problems, "\n".join(problems)


def _test_names() -> set[str]:
    """The names pytest gives this module's parametrized tests (for KNOWN_FAILURES)."""
    cases = {
        "test_another_organisations_member_sees_nothing_at": [r.route or "<index>"
                                                              for r in ROUTES],
        "test_another_organisations_object_is_404_or_403_at": [r.route or "<index>"
                                                               for r in OBJECT_ROUTES],
        "test_bulk_actions_with_another_organisations_ids_change_nothing": [
            model._meta.label for model, _model_admin in ADMINS],
    }
    return {f"{test}[{walker}-{case}]" for test, ids in cases.items() for case in ids
            for walker in WALKERS}
