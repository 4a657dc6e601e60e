"""Package benchmark: build and download a 500 MB access package (issue #6).

``make bench SCENARIO=package`` (``python -m bench package [--rounds 3]``).

1. Migrates the scenario's database (``harness.scratch_database``). Adds one organisation
   with a record of processing, one access request with six systems on its checklist, and
   saves the exports through ``packages.save_export`` (encrypted at rest): five of 100 MB of
   random, incompressible bytes (stored in the ZIP as they are) and one CSV of about 10 MB
   (deflated). 510 MB of exports in all.
2. ``--rounds`` times (default 3): creates a queued ``Package`` row (as ``request_build``
   does, without publishing a task: no worker or broker runs) and runs ``packages.build`` in
   a fresh Python process, the work of one Celery task. That process reports its wall time,
   its resident memory just before the build (the baseline: Django, the database connection,
   the imported modules) and its peak resident memory (``ru_maxrss`` at the end).
3. For each built package, another fresh process reads the whole download through
   ``packages.stream`` (decrypting, as the download view does) and reports the same figures.
4. For comparison, the raw throughput of ``crypto`` on 256 MB: encrypting into a sink that
   drops the bytes, and decrypting a file of the page cache; and, as the floor, reading that
   file without decrypting it.
5. Prints a Markdown table of the medians; the database is dropped and the files deleted.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import connections

from bench import harness
from requests_app import crypto
from requests_app.delivery import packages
from requests_app.models import (
    ChecklistItem,
    DataSystem,
    Organisation,
    Package,
    ProcessingRecord,
    Status,
    private_storage,
)
from tests.factories import make_request

MB = 1024 * 1024
RANDOM_EXPORTS = 5
RANDOM_SIZE = 100 * MB
CSV_ROWS = 100_000  # about 10 MB
RAW_SIZE = 256 * MB


def rss_mib() -> float:
    """The resident memory of this process now (VmRSS)."""
    return harness.status_mib("VmRSS")


def peak_rss_mib() -> float:
    """The peak resident memory of this process: ``ru_maxrss``, checked against VmHWM.

    Linux carries ``ru_maxrss`` over ``execve`` from the process that forked it (here the
    runner, which is larger), so a fresh child's ``ru_maxrss`` can be the parent's peak;
    VmHWM is the high-water mark of this process image alone. The smaller is this process's.
    """
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return min(maxrss, harness.peak_rss_mib())


class RandomBytes:
    """A file of ``size`` random bytes made as it is read, so the export never sits in memory
    or on disk unencrypted."""

    def __init__(self, size: int):
        self.left = size

    def read(self, count: int = -1) -> bytes:
        count = self.left if count < 0 else min(count, self.left)
        self.left -= count
        return os.urandom(count)


class CsvRows:
    """A CSV export of ``rows`` customer rows, made as it is read."""

    def __init__(self, rows: int):
        self.rows = iter(range(rows + 1))
        self.pending = b""

    def read(self, count: int = -1) -> bytes:
        while count < 0 or len(self.pending) < count:
            number = next(self.rows, None)
            if number is None:
                break
            self.pending += (
                b"id,name,email,city,registered,orders\r\n" if number == 0 else
                f"{number},Person {number},person{number}@example.com,Oslo,"
                f"2024-{number % 12 + 1:02d}-{number % 28 + 1:02d},{number % 37}\r\n".encode())
        data, self.pending = (self.pending, b"") if count < 0 else (
            self.pending[:count], self.pending[count:])
        return data


def generated(reader, name: str, size: int | None) -> File:
    upload = File(reader, name=name)
    upload.size = size
    return upload


def prepare() -> int:
    """Organisation, request, exports in the migrated database. Returns the request's id."""
    organisation = Organisation.objects.create(
        name="Bench AS", slug="bench", country="NO", default_language="nb",
        time_zone="Europe/Oslo", contact_email="privacy@bench.example",
        supervisory_authority="datatilsynet-no")
    ProcessingRecord.objects.create(
        organisation=organisation, name="Customers", purposes="Selling and delivering goods.",
        legal_basis="contract", data_categories="Name, address, e-mail, orders.",
        recipients="Carrier.", retention="5 years after the last order (bookkeeping).")
    subject_request = make_request(organisation, type="access", status=Status.IN_PROGRESS)
    items = []
    for number in range(RANDOM_EXPORTS + 1):
        system = DataSystem.objects.create(organisation=organisation, name=f"System {number}")
        items.append(ChecklistItem.objects.create(request=subject_request, system=system,
                                                  system_name=system.name,
                                                  state=ChecklistItem.State.DONE))
    for number in range(RANDOM_EXPORTS):
        packages.save_export(subject_request,
                             generated(RandomBytes(RANDOM_SIZE), f"archive-{number}.bin",
                                       RANDOM_SIZE),
                             checklist_item=items[number], actor=None)
    packages.save_export(subject_request, generated(CsvRows(CSV_ROWS), "customers.csv", None),
                         checklist_item=items[-1], actor=None)
    return subject_request.pk


# The child processes -----------------------------------------------------------------------


def child_build(package_id: int) -> dict:
    # Everything the build needs is imported and connected before the baseline is taken.
    Package.objects.get(pk=package_id)
    import weasyprint  # noqa: F401 - the cover's renderer, imported by the build

    baseline = rss_mib()
    started = time.perf_counter()
    package = packages.build(package_id)
    seconds = time.perf_counter() - started
    assert package.state == Package.State.READY, package.error
    peak = peak_rss_mib()
    from requests_app.delivery import cover

    started = time.perf_counter()
    cover.cover_pdf(package.request)
    return {"seconds": seconds, "baseline": baseline, "peak": peak,
            "size": package.size, "total": package.bytes_total,
            "cover": time.perf_counter() - started}


def child_stream(package_id: int) -> dict:
    package = Package.objects.get(pk=package_id)
    baseline = rss_mib()
    started = time.perf_counter()
    size = 0
    for chunk in packages.stream(package):
        size += len(chunk)
    seconds = time.perf_counter() - started
    assert size == package.size
    return {"seconds": seconds, "baseline": baseline, "peak": peak_rss_mib(), "size": size}


def in_child(action: str, package_id: int) -> dict:
    """Run ``action`` in a fresh Python process: its peak memory is its own."""
    result = subprocess.run(
        [sys.executable, "-m", "bench", "package", "--child", action, str(package_id)],
        cwd=harness.ROOT,
        capture_output=True, text=True, timeout=1800, check=False)
    if result.returncode != 0:
        sys.exit(f"{action} failed:\n{result.stdout}\n{result.stderr[-5000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# Raw throughput ----------------------------------------------------------------------------


class Sink:
    def write(self, data) -> int:
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


def raw_throughput() -> dict:
    data = os.urandom(8 * MB)
    pieces = RAW_SIZE // len(data)
    started = time.perf_counter()
    with crypto.EncryptedWriter(Sink()) as writer:
        for _ in range(pieces):
            writer.write(data)
    encrypt = time.perf_counter() - started

    path = Path(settings.PRIVATE_FILES_DIR) / "raw.enc"
    with open(path, "wb") as raw, crypto.EncryptedWriter(raw) as writer:
        for _ in range(pieces):
            writer.write(data)
    with open(path, "rb") as raw:  # warm the page cache, as for the decrypt below
        while raw.read(MB):
            pass
    started = time.perf_counter()
    with open(path, "rb") as raw:
        while raw.read(crypto.CHUNK_SIZE + crypto.TAG_SIZE):
            pass
    read = time.perf_counter() - started
    started = time.perf_counter()
    with open(path, "rb") as raw:
        for _ in crypto.decrypt_stream(raw):
            pass
    decrypt = time.perf_counter() - started
    path.unlink()
    mb = RAW_SIZE / MB
    return {"encrypt": mb / encrypt, "decrypt": mb / decrypt, "read": mb / read}


def machine() -> str:
    from cryptography.hazmat.backends.openssl import backend

    return (f"{os.cpu_count()} cores, {harness.machine()}, cryptography with "
            f"{backend.openssl_version_text()}")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench package",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("ACTION", "PACKAGE_ID"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        action, package_id = args.child
        result = {"build": child_build, "stream": child_stream}[action](int(package_id))
        print(json.dumps(result))
        return

    rounds = harness.bounded(args.rounds, 1, 10)
    run = harness.Run()
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])  # others' work skews it
    files = Path(settings.PRIVATE_FILES_DIR)
    shutil.rmtree(files, ignore_errors=True)
    try:
        with harness.scratch_database(flush_redis=False):
            print(f"Exports: {RANDOM_EXPORTS} × {RANDOM_SIZE // MB} MB + a CSV ...", flush=True)
            started = time.perf_counter()
            request_id = prepare()
            prepared = time.perf_counter() - started
            builds, streams = [], []
            for number in range(rounds):
                package = Package.objects.create(request_id=request_id,
                                                 kind=Package.Kind.ACCESS)
                connections.close_all()
                builds.append(in_child("build", package.pk))
                streams.append(in_child("stream", package.pk))
                print(f"round {number + 1}: build {builds[-1]['seconds']:.2f} s, peak "
                      f"{builds[-1]['peak']:.0f} MiB; download {streams[-1]['seconds']:.2f} s, "
                      f"peak {streams[-1]['peak']:.0f} MiB", flush=True)
                # Free the disk for the next round.
                package.refresh_from_db()
                private_storage().delete(package.file.name)
                Package.objects.filter(pk=package.pk).update(state=Package.State.DELETED,
                                                             file="")
            raw = raw_throughput()
            report(builds, streams, raw, prepared, load)
            print(f"\n{run.footer()}")
    finally:
        shutil.rmtree(files, ignore_errors=True)


def report(builds: list[dict], streams: list[dict], raw: dict, prepared: float,
           load: str) -> None:
    def median(rows, key):
        return statistics.median(row[key] for row in rows)

    size_mb = builds[0]["size"] / MB
    total_mb = builds[0]["total"] / MB
    print(f"\nMachine: {machine()}")
    print(f"Exports: {total_mb:.0f} MiB ({RANDOM_EXPORTS} × {RANDOM_SIZE // MB} MiB random, "
          f"one CSV); package: {size_mb:.0f} MiB; saving the exports took {prepared:.1f} s.")
    print(f"Medians of {len(builds)} rounds, each in a fresh process:\n")
    print("| step | wall time (range) | throughput | RSS before | peak RSS | peak − before |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, rows in (("build (packages.build)", builds),
                       ("download (packages.stream)", streams)):
        seconds = median(rows, "seconds")
        low, high = min(r["seconds"] for r in rows), max(r["seconds"] for r in rows)
        print(f"| {name} | {seconds:.2f} s ({low:.2f}–{high:.2f}) "
              f"| {size_mb / seconds:.0f} MiB/s "
              f"| {median(rows, 'baseline'):.0f} MiB | {median(rows, 'peak'):.0f} MiB "
              f"| {median(rows, 'peak') - median(rows, 'baseline'):.0f} MiB |")
    print(f"\nThe cover PDF alone (WeasyPrint, rendered again after the build): "
          f"{median(builds, 'cover'):.2f} s.")
    print(f"\nRaw crypto on {RAW_SIZE // MB} MiB: encrypt {raw['encrypt']:.0f} MiB/s, "
          f"decrypt {raw['decrypt']:.0f} MiB/s (reading the same file without decrypting: "
          f"{raw['read']:.0f} MiB/s). Load average before the run: {load}.")


if __name__ == "__main__":
    main()
