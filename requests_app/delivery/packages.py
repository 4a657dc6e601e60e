"""What the requester downloads: the access package (Art. 15(3)) and the portability archive
(Art. 20(1)), built from the exports staff take from each system.

- ``save_export``: an export file is encrypted at rest (``crypto``) as it is uploaded.
- ``request_build`` queues ``tasks.build_package``; ``build`` writes the ZIP straight into an
  encrypted file, reading each export one chunk at a time, so memory stays flat however large
  the package; staff see the progress (``bytes_done`` of ``bytes_total``).
- ``stream`` gives the decrypted package to the download view; ``record_download`` logs it.
- ``expire`` deletes packages ``Organisation.package_days`` after they were ready, and
  ``delete_files`` everything of a request (for the purge).

The access package: ``cover.pdf`` (the Art. 15(1)-(2) information, ``cover.cover_pdf``) and
the exports unchanged, in one folder per system. The portability archive: ``README.txt``,
``data.json`` (everything), and per system ``<system>.csv`` and ``<system>.json``; exports
that are not tables go under ``other/`` unchanged.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import mimetypes
import os
import re
import time
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from requests_app import access, crypto, csvfiles, events, jobs
from requests_app.delivery import cover
from requests_app.models import (
    ChecklistItem,
    Event,
    ExportFile,
    Package,
    Request,
    RequestType,
    Status,
    export_path,
    package_path,
    private_storage,
)

logger = logging.getLogger(__name__)

#: Staff see the progress move: ``bytes_done`` is written every this many seconds or bytes.
PROGRESS_SECONDS = 2.0
PROGRESS_BYTES = 8 * 1024 * 1024

#: The right each package kind delivers, and the request type it belongs to.
KIND_FOR_TYPE = {
    RequestType.ACCESS: Package.Kind.ACCESS,  # Art. 15(3)
    RequestType.PORTABILITY: Package.Kind.PORTABILITY,  # Art. 20(1)
}

#: Checklist states that mean there is nothing to export from that system.
NOTHING_TO_EXPORT = frozenset({ChecklistItem.State.NOTHING_FOUND,
                               ChecklistItem.State.NOT_APPLICABLE})

#: Exports worth compressing; the rest (PDF, images, archives, binaries) is stored as is.
COMPRESSIBLE = frozenset({".csv", ".tsv", ".txt", ".json", ".ndjson", ".jsonl", ".xml",
                          ".html", ".htm", ".log", ".md", ".sql", ".yaml", ".yml", ".eml"})


# Exports -----------------------------------------------------------------------------------


def _limited(chunks: Iterable[bytes], limit: int) -> Iterator[bytes]:
    """The chunks of an upload, stopped as soon as it passes ``limit`` (the size an upload
    claims is not trusted)."""
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise ValidationError(_too_large(limit))
        yield chunk


def _too_large(limit: int) -> str:
    return _("The file is too large: at most %(size)s.") % {"size": filesizeformat(limit)}


def save_export(request: Request, upload, *, checklist_item: ChecklistItem | None = None,
                actor: AbstractBaseUser | None) -> ExportFile:
    """Encrypt and store one export staff took from a system, and log it.

    ``upload`` is a Django ``UploadedFile`` or ``File``. Refused for a closed request (its
    answer is given), above ``settings.EXPORT_MAX_BYTES``, and to whoever may not work on the
    organisation's requests."""
    access.require(actor, access.WORK, request.organisation_id)
    if not request.is_open:
        raise ValidationError(_("The request is closed; exports can no longer be added."))
    if checklist_item is not None and checklist_item.request_id != request.pk:
        raise ValidationError(_("That system is not on this request's checklist."))
    limit = settings.EXPORT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(_too_large(limit))
    original = os.path.basename((upload.name or "").replace("\\", "/"))[:200] or "export"
    content_type = (getattr(upload, "content_type", None)
                    or mimetypes.guess_type(original)[0] or "application/octet-stream")
    export = ExportFile(request=request, checklist_item=checklist_item, original_name=original,
                        content_type=content_type[:100], uploaded_by=actor)
    name, size = crypto.save_encrypted(private_storage(), export_path(export, original),
                                       _limited(upload.chunks(), limit))
    export.file.name, export.size = name, size
    try:
        with transaction.atomic():
            export.save()
            # The file name stays out of the log: it may name the requester.
            events.record(request, Event.Kind.EXPORT_ADDED, actor=actor,
                          to_value=filesizeformat(size),
                          message=checklist_item.system_name if checklist_item else "")
    except BaseException:
        private_storage().delete(name)
        raise
    return export


# Requesting a build -------------------------------------------------------------------------


@transaction.atomic
def request_build(request: Request, kind: str, *, actor: AbstractBaseUser | None) -> Package:
    """Queue the build of an access package or portability archive.

    Allowed while the request is open, for the kind its type calls for, when there is an
    export to put in it or every system on the checklist had nothing (the access package is
    then the cover document alone), for an access package when its cover states only what
    the records of processing say (``cover.missing``), and when no package of the same kind
    is already queued or building; by whoever may work on the organisation's requests."""
    access.require(actor, access.WORK, request.organisation_id)
    locked = Request.objects.select_for_update().get(pk=request.pk)
    if not locked.is_open:
        raise ValidationError(_("The request is closed; no new package can be built."))
    if KIND_FOR_TYPE.get(locked.type) != kind:
        raise ValidationError(
            _("“%(kind)s” is not what a request of this type calls for.")
            % {"kind": Package.Kind(kind).label if kind in Package.Kind.values else kind})
    if not locked.exports.exists():
        states = list(locked.checklist.values_list("state", flat=True))
        if not states or any(state not in NOTHING_TO_EXPORT for state in states):
            raise ValidationError(_(
                "Add the exports from the systems first, or mark every system on the "
                "checklist “Nothing found” or “Not applicable”."))
    if kind == Package.Kind.ACCESS:
        _require_cover_settled(locked)
    if locked.packages.filter(kind=kind, state__in=(Package.State.QUEUED,
                                                    Package.State.BUILDING)).exists():
        raise ValidationError(_("A package of this kind is already being built."))
    package = Package.objects.create(request=locked, kind=kind, created_by=actor)
    events.record(locked, Event.Kind.PACKAGE_QUEUED, actor=actor, to_value=kind)
    jobs.queue_on_commit("requests_app.tasks.build_package", package.pk)
    return package


def _require_cover_settled(request: Request) -> None:
    """Refuse, listing what is missing, while the cover would describe a system where data
    was found without a record of processing, or would have to guess a statement nobody made
    (Art. 15(1)(c), (g), (h), 15(2)): staff settle it in the records first."""
    problems = cover.missing(request)
    if problems:
        raise ValidationError([_(
            "The access package cannot be built yet: its cover states only what the records "
            "of processing say, and these are not settled.")] + problems)


# Building ----------------------------------------------------------------------------------


class _Progress:
    """Writes ``bytes_done`` with a conditional UPDATE, every PROGRESS_SECONDS or
    PROGRESS_BYTES, whichever comes first: staff see it move; the database is not flooded."""

    def __init__(self, package_id: int, total: int):
        self.package_id, self.total = package_id, total
        self.done = 0.0
        self.saved = 0
        self.saved_at = time.monotonic()

    def advance(self, count: float) -> None:
        self.done += count
        if (self.done - self.saved >= PROGRESS_BYTES
                or time.monotonic() - self.saved_at >= PROGRESS_SECONDS):
            self.save()

    def save(self) -> None:
        self.saved = min(int(self.done), self.total)
        self.saved_at = time.monotonic()
        Package.objects.filter(pk=self.package_id, state=Package.State.BUILDING).update(
            bytes_done=self.saved)


def build(package_id: int) -> Package:
    """Build a queued package (the Celery task). READY with its size and expiry date, or
    FAILED with the error; either way logged. A package already READY (or deleted) is left
    as it is, so a task delivered twice does nothing the second time; one found BUILDING was
    left by a worker that died, and is built again. A failed build leaves no file."""
    package = Package.objects.select_related("request__organisation").get(pk=package_id)
    if package.state not in (Package.State.QUEUED, Package.State.BUILDING):
        return package
    exports = list(package.request.exports.select_related("checklist_item"))
    total = sum(export.size for export in exports)
    claimed = Package.objects.filter(
        pk=package_id, state__in=(Package.State.QUEUED, Package.State.BUILDING)).update(
        state=Package.State.BUILDING, bytes_total=total, bytes_done=0, error="")
    if not claimed:
        return Package.objects.get(pk=package_id)
    progress = _Progress(package_id, total)
    storage = private_storage()
    writer = None
    try:
        with translation.override(package.request.language):
            with crypto.storing(storage, package_path(package, "")) as writer:
                if package.kind == Package.Kind.ACCESS:
                    _write_access(writer, package, exports, progress)
                else:
                    _write_portability(writer, package, exports, progress)
    except Exception as error:  # noqa: BLE001 - any failure is the staff's to see
        logger.exception("Package %s failed", package_id)
        return _fail(package_id, error)
    now = timezone.now()
    with transaction.atomic():
        ready = Package.objects.filter(pk=package_id, state=Package.State.BUILDING).update(
            state=Package.State.READY, file=writer.stored_name, size=writer.size,
            bytes_done=total, ready_at=now,
            expires_at=now + timedelta(days=package.request.organisation.package_days))
        if ready:
            events.record(package.request, Event.Kind.PACKAGE_READY, to_value=package.kind,
                          message=filesizeformat(writer.size))
    if not ready:  # deleted (purged) while it was being built
        storage.delete(writer.stored_name)
    return Package.objects.get(pk=package_id)


def _fail(package_id: int, error: Exception) -> Package:
    message = ("; ".join(error.messages) if isinstance(error, ValidationError)
               else f"{type(error).__name__}: {error}")
    with transaction.atomic():
        failed = Package.objects.filter(pk=package_id, state=Package.State.BUILDING).update(
            state=Package.State.FAILED, error=message[:2000])
        package = Package.objects.select_related("request").get(pk=package_id)
        if failed:
            events.record(package.request, Event.Kind.PACKAGE_FAILED, to_value=package.kind,
                          message=message[:500])
    return package


# File names --------------------------------------------------------------------------------

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)


def safe_name(name: str, *, fallback: str = "file", max_length: int = 120,
              strip_path: bool = True) -> str:
    """A file or folder name that is safe in a ZIP on every system: no path (so no
    traversal out of the folder: a file's path is dropped, a slash in a system's name
    replaced), no control or reserved characters, no leading dots."""
    name = unicodedata.normalize("NFC", name or "")
    if strip_path:
        name = name.replace("\\", "/").split("/")[-1]
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if _WINDOWS_RESERVED.match(name):
        name = f"_{name}"
    if len(name) > max_length:
        stem, ext = os.path.splitext(name)
        ext = ext if len(ext) <= 16 else ""
        name = stem[:max_length - len(ext)].rstrip(" .") + ext
    return name or fallback


class _Names:
    """Unique names within one folder of the ZIP, compared case-insensitively (Windows and
    macOS): "data.csv", "data (2).csv", ..."""

    def __init__(self, reserved: Iterable[str] = ()):
        self.used = {name.casefold() for name in reserved}

    def add(self, name: str) -> str:
        stem, ext = os.path.splitext(name)
        candidate, number = name, 1
        while candidate.casefold() in self.used:
            number += 1
            candidate = f"{stem} ({number}){ext}"
        self.used.add(candidate.casefold())
        return candidate


def _system_name(export: ExportFile) -> str:
    if export.checklist_item_id:
        return export.checklist_item.system_name
    return _("Other")


def _zip_info(name: str, when: datetime, *, size: int = 0, compress: bool = True,
              zone: str = "UTC") -> zipfile.ZipInfo:
    local = when.astimezone(ZoneInfo(zone))
    info = zipfile.ZipInfo(name, date_time=max(local.timetuple()[:6], (1980, 1, 1, 0, 0, 0)))
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    info.file_size = size  # only an estimate for zipfile, to decide on ZIP64
    return info


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    # ZIP64 headers when a member may pass 4 GiB (zipfile needs to know before writing).
    return archive.open(info, "w", force_zip64=info.file_size * 1.1 > zipfile.ZIP64_LIMIT)


def _copy_export(archive, info, export: ExportFile, progress: _Progress) -> None:
    with _member(archive, info) as target:
        for chunk in crypto.open_decrypted(private_storage(), export.file.name):
            target.write(chunk)
            progress.advance(len(chunk))


# The access package (Art. 15(3)) -----------------------------------------------------------


def _write_access(writer, package: Package, exports: list[ExportFile],
                  progress: _Progress) -> None:
    request = package.request
    # The records may have changed since the build was requested. What is missing is told to
    # staff (the package's error), so in the organisation's language, not the requester's.
    with translation.override(request.organisation.default_language):
        _require_cover_settled(request)
    zone = request.organisation.time_zone
    now = timezone.now()
    with zipfile.ZipFile(writer, "w") as archive:
        archive.writestr(_zip_info("cover.pdf", now, zone=zone, compress=False),
                         cover.cover_pdf(request))
        folders = _Names(reserved=["cover.pdf"])
        system_folder: dict[str, str] = {}
        files_in: dict[str, _Names] = {}
        for export in exports:
            system = _system_name(export)
            if system not in system_folder:
                system_folder[system] = folders.add(
                    safe_name(system, fallback="system", strip_path=False))
                files_in[system] = _Names()
            folder = system_folder[system]
            name = files_in[system].add(safe_name(export.original_name, fallback="export"))
            extension = os.path.splitext(name)[1].lower()
            info = _zip_info(f"{folder}/{name}", export.uploaded_at, size=export.size,
                             compress=extension in COMPRESSIBLE, zone=zone)
            _copy_export(archive, info, export, progress)


# The portability archive (Art. 20(1)) ------------------------------------------------------


class NotTabular(Exception):
    """An export that is not a table of flat records: it goes under other/ unchanged."""


class _ChunkReader(io.RawIOBase):
    """A readable file over an iterator of byte chunks, for ``io.TextIOWrapper``."""

    def __init__(self, chunks: Iterator[bytes]):
        super().__init__()
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            self._pending = next(self._chunks, b"")
            if not self._pending:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


class _Source:
    """One export read as a table: CSV (any usual delimiter; UTF-8, or Windows-1252 as old
    Excel writes it) or JSON (a list of flat objects). Each reading decrypts the file again,
    one chunk at a time; ``fields`` are known after ``check``."""

    def __init__(self, export: ExportFile, progress: _Progress, weight: float):
        self.export = export
        self.progress = progress
        self.weight = weight
        extension = os.path.splitext(export.original_name)[1].lower()
        content_type = (export.content_type or "").split(";")[0].strip().lower()
        if extension in (".csv", ".tsv") or content_type in ("text/csv",
                                                             "text/tab-separated-values"):
            self.format = "csv"
        elif extension == ".json" or content_type == "application/json":
            self.format = "json"
        else:
            self.format = None
        self.fields: list[str] = []
        self.count = 0
        self.counted = 0.0

    def _chunks(self) -> Iterator[bytes]:
        for chunk in crypto.open_decrypted(private_storage(), self.export.file.name):
            self.progress.advance(len(chunk) * self.weight)
            self.counted += len(chunk) * self.weight
            yield chunk

    def check(self) -> None:
        """Read the whole export once: is it a table, with which fields and how many rows."""
        if self.format is None:
            raise NotTabular
        fields: dict[str, None] = {}
        count = 0
        try:
            for record in self.records(check=True):
                fields.update(dict.fromkeys(record))
                count += 1
        except (UnicodeDecodeError, csv.Error, json.JSONDecodeError) as error:
            raise NotTabular from error
        if self.format == "csv" and not fields and self.export.size == 0:
            raise NotTabular  # an empty file, not even a header
        self.fields, self.count = list(fields), count

    def records(self, *, check: bool = False) -> Iterator[dict]:
        if self.format == "csv":
            return self._csv_records(check)
        return _json_records(self._text("utf-8-sig"))

    def _text(self, encoding: str) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(encoding)()
        for chunk in self._chunks():
            yield decoder.decode(chunk)
        yield decoder.decode(b"", final=True)

    def _csv_records(self, check: bool) -> Iterator[dict]:
        chunks = self._chunks()
        first = next(chunks, b"")
        encoding, dialect = csvfiles.sniff(first)

        def all_chunks():
            yield first
            yield from chunks

        text = io.TextIOWrapper(io.BufferedReader(_ChunkReader(all_chunks())),
                                encoding=encoding, newline="")
        reader = csv.reader(text, dialect)
        header = next(reader, None)
        if header is None:
            return
        header = [name.strip() for name in header]
        if check and (any(not name for name in header) or len(set(header)) != len(header)):
            raise NotTabular
        for row in reader:
            if not row:
                continue  # a blank line
            if len(row) != len(header):
                raise NotTabular
            yield dict(zip(header, row, strict=True))


def _flat(value) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _json_records(pieces: Iterator[str]) -> Iterator[dict]:
    """The objects of a JSON list, one at a time, without reading the whole file: each
    element is decoded as soon as the text holds all of it. Anything but a list of objects
    whose values are all scalars raises ``NotTabular``."""
    decoder = json.JSONDecoder()
    buffer, pos = "", 0

    def fill() -> bool:
        nonlocal buffer, pos
        for piece in pieces:
            if piece:
                buffer, pos = buffer[pos:] + piece, 0
                return True
        return False

    def next_char() -> str:
        nonlocal pos
        while True:
            while pos < len(buffer) and buffer[pos] in " \t\r\n":
                pos += 1
            if pos < len(buffer):
                return buffer[pos]
            if not fill():
                return ""

    if next_char() != "[":
        raise NotTabular
    pos += 1
    if next_char() == "]":
        pos += 1
    else:
        while True:
            next_char()
            while True:
                try:
                    value, end = decoder.raw_decode(buffer, pos)
                    break
                except json.JSONDecodeError:
                    if not fill():
                        raise NotTabular from None
            pos = end
            if not isinstance(value, dict) or not all(map(_flat, value.values())):
                raise NotTabular
            yield value
            separator = next_char()
            pos += 1
            if separator == "]":
                break
            if separator != ",":
                raise NotTabular
    if next_char():
        raise NotTabular  # something after the list


def _csv_value(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _write_portability(writer, package: Package, exports: list[ExportFile],
                       progress: _Progress) -> None:
    """README.txt, data.json, <system>.csv and .json, other/. A table is read four times
    (checked, then written to data.json, CSV and JSON: zipfile writes one member at a time),
    each time a chunk at a time; progress counts a quarter of its size each time."""
    request = package.request
    organisation = request.organisation
    zone = organisation.time_zone
    now = timezone.now()
    # Group the tables by system; everything else is copied under other/.
    tables: dict[str, list[_Source]] = {}
    others: list[ExportFile] = []
    for export in exports:
        source = _Source(export, progress, 0.25)
        try:
            source.check()
        except NotTabular:
            # It is copied whole below, where its bytes count: forget those read to check it.
            progress.done -= source.counted
            others.append(export)
            continue
        tables.setdefault(_system_name(export), []).append(source)

    root = _Names(reserved=["README.txt", "data.json", "other"])
    systems = []
    for system, sources in tables.items():
        base = safe_name(system, fallback="system", strip_path=False)
        csv_name = root.add(f"{base}.csv")
        json_name = root.add(f"{base}.json")
        fields = list(dict.fromkeys(f for source in sources for f in source.fields))
        systems.append({"name": system, "csv": csv_name, "json": json_name, "fields": fields,
                        "sources": sources, "records": sum(s.count for s in sources)})
    other_names: list[str] = []
    other_folders = _Names()
    other_files: dict[str, tuple[str, _Names]] = {}
    for export in others:
        system = _system_name(export)
        if system not in other_files:
            folder = safe_name(system, fallback="system", strip_path=False)
            other_files[system] = (other_folders.add(folder), _Names())
        folder, names = other_files[system]
        name = names.add(safe_name(export.original_name, fallback="export"))
        other_names.append(f"other/{folder}/{name}")

    with zipfile.ZipFile(writer, "w") as archive:
        readme = render_to_string("requests_app/packages/portability_readme.txt", {
            "organisation": organisation, "reference": request.reference,
            "generated_at": now.astimezone(ZoneInfo(zone)), "systems": systems,
            "others": other_names,
        })
        archive.writestr(_zip_info("README.txt", now, zone=zone),
                         readme.replace("\n", "\r\n").encode("utf-8"))
        with io.TextIOWrapper(_member(archive, _zip_info("data.json", now, zone=zone)),
                              encoding="utf-8", newline="") as out:
            generated_at = now.astimezone(ZoneInfo(zone)).isoformat(timespec="seconds")
            out.write("{\n")
            out.write(f'  "organisation": {json.dumps(organisation.name, ensure_ascii=False)},\n')
            out.write(f'  "reference": {json.dumps(request.reference)},\n')
            out.write(f'  "generated_at": {json.dumps(generated_at)},\n')
            out.write('  "systems": {')
            for number, system in enumerate(systems):
                out.write(",\n" if number else "\n")
                out.write(f"    {json.dumps(system['name'], ensure_ascii=False)}: ")
                _write_json_list(out, system["sources"], indent="    ")
            out.write("\n  }\n}\n" if systems else "}\n}\n")
        for system in systems:
            with io.TextIOWrapper(_member(archive, _zip_info(system["csv"], now, zone=zone)),
                                  encoding="utf-8", newline="") as out:
                table = csv.writer(out)
                table.writerow(system["fields"])
                for source in system["sources"]:
                    for record in source.records():
                        table.writerow([_csv_value(record.get(f)) for f in system["fields"]])
            with io.TextIOWrapper(_member(archive, _zip_info(system["json"], now, zone=zone)),
                                  encoding="utf-8", newline="") as out:
                _write_json_list(out, system["sources"])
                out.write("\n")
        for export, name in zip(others, other_names, strict=True):
            extension = os.path.splitext(name)[1].lower()
            info = _zip_info(name, export.uploaded_at, size=export.size, zone=zone,
                             compress=extension in COMPRESSIBLE)
            _copy_export(archive, info, export, progress)


def _write_json_list(out, sources: list[_Source], *, indent: str = "") -> None:
    out.write("[")
    first = True
    for source in sources:
        for record in source.records():
            out.write("\n" if first else ",\n")
            out.write(indent + "  " + json.dumps(record, ensure_ascii=False))
            first = False
    out.write("]" if first else f"\n{indent}]")


# Delivery ----------------------------------------------------------------------------------


def stream(package: Package) -> Iterator[bytes]:
    """The decrypted bytes of a READY package, a chunk at a time. A file altered on disk
    raises ``crypto.TamperedError`` before the altered chunk is given out."""
    if package.state != Package.State.READY or not package.file:
        raise ValidationError(_("This package is not available."))
    return crypto.open_decrypted(private_storage(), package.file.name)


def download_name(package: Package) -> str:
    """E.g. "access-K7Q-4MZP-2XWD.zip" or "portability-K7Q-4MZP-2XWD.zip"."""
    return f"{package.kind}-{package.request.reference}.zip"


# Delivery ----------------------------------------------------------------------------------


def deliver(request: Request, now: datetime | None = None) -> None:
    """On completion, the ready packages go to the requester: their download period
    (``Organisation.package_days``) starts now, however long ago they were built, so the
    requester always gets the whole period the answer states."""
    now = now or timezone.now()
    days = request.organisation.package_days
    Package.objects.filter(request_id=request.pk, state=Package.State.READY).update(
        expires_at=now + timedelta(days=days))


def is_delivered(package: Package) -> bool:
    """The requester sees a package only once the request is completed with it: until then
    staff may still rebuild it, and a half-checked package must not reach anyone."""
    return package.ready_at is not None and package.request.status == Status.COMPLETED


def is_available(package: Package, now: datetime | None = None) -> bool:
    """Delivered, ready and not past its period (``expire`` may not have run yet)."""
    now = now or timezone.now()
    return (is_delivered(package) and package.state == Package.State.READY
            and (package.expires_at is None or package.expires_at > now))


def for_requester(request: Request) -> list[Package]:
    """The packages the requester's status page lists: delivered ones, newest first,
    including those whose period ended (shown as no longer available)."""
    if request.status != Status.COMPLETED:
        return []
    return list(request.packages.filter(ready_at__isnull=False).order_by("-ready_at", "-id"))


def record_download(package: Package) -> None:
    """Count and log one download by the requester."""
    with transaction.atomic():
        Package.objects.filter(pk=package.pk).update(download_count=F("download_count") + 1)
        package.refresh_from_db(fields=["download_count"])
        events.record(package.request, Event.Kind.PACKAGE_DOWNLOADED,
                      actor_label=events.SUBJECT, to_value=package.kind,
                      message=str(package.download_count))


# Deleting ----------------------------------------------------------------------------------


def _delete_package(package: Package, now: datetime, *, message: str = "") -> None:
    """Inside a transaction: mark DELETED, delete the file after the commit, log."""
    name = package.file.name
    Package.objects.filter(pk=package.pk).update(state=Package.State.DELETED, file="",
                                                 deleted_at=now)
    if name:
        transaction.on_commit(lambda: private_storage().delete(name))
    events.record(package.request, Event.Kind.PACKAGE_DELETED, to_value=package.kind,
                  message=message)


def expire(now: datetime | None = None) -> int:
    """Delete the packages whose download period (``Organisation.package_days``) has run out.
    Returns how many."""
    now = now or timezone.now()
    ids = list(Package.objects.filter(state=Package.State.READY, expires_at__lte=now)
               .values_list("pk", flat=True))
    count = 0
    for package_id in ids:
        with transaction.atomic():
            package = (Package.objects.select_for_update().select_related("request")
                       .filter(pk=package_id, state=Package.State.READY,
                               expires_at__lte=now).first())
            if package is None:
                continue
            _delete_package(package, now, message=_("The download period ended."))
            count += 1
    if count:
        logger.info("Expired %d package(s).", count)
    return count


def delete_exports(request_id: int) -> int:
    """Delete the exports staff uploaded for a request (files after the commit, then rows):
    they go with the requester's attachments, sooner than the rest (``purge``); the built
    packages keep their own download period. Returns how many."""
    with transaction.atomic():
        exports = list(ExportFile.objects.select_for_update().filter(request_id=request_id))
        for export in exports:
            name = export.file.name
            transaction.on_commit(lambda n=name: private_storage().delete(n))
        ExportFile.objects.filter(pk__in=[e.pk for e in exports]).delete()
    return len(exports)


def delete_files(request_id: int) -> int:
    """Delete every export and package file of a request (the purge): export rows go, package
    rows stay as DELETED. Files are deleted after the commit, so a rollback keeps them.
    Returns how many files."""
    now = timezone.now()
    with transaction.atomic():
        exports = delete_exports(request_id)
        packages = list(Package.objects.select_for_update().select_related("request")
                        .filter(request_id=request_id).exclude(state=Package.State.DELETED))
        for package in packages:
            _delete_package(package, now)
    return exports + sum(1 for p in packages if p.file)
