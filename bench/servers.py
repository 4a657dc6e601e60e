"""Servers of a run's own, for the fault script (``bench/scenarios/faults.py``) and the fault
tests (``tests/test_fault_*.py``), which stop and restart them under load: a redis-server and
a PostgreSQL cluster in a temporary folder on free ports (never the machine's own servers,
which others use), the portal under gunicorn, a Celery worker with beat, and a client that
fills in the public form as a browser does.

Nothing here imports Django: the portal runs in the subprocesses, configured only by their
environment (``portal_env``), with the production settings module.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PYTHON = sys.executable


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(proc: subprocess.Popen | None, *, timeout: float = 30,
                 sig: int = signal.SIGTERM) -> None:
    """Ask ``proc`` to stop (``sig``); kill it if it has not stopped after ``timeout`` s."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def hidden_value(html: str, name: str) -> str:
    """The value of the hidden input ``name`` in a rendered form."""
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    if not match:
        raise ValueError(f"no hidden field {name!r} in the page")
    return match.group(1)


def cookie_header(cookies: dict[str, str]) -> dict[str, str]:
    """The ``Cookie`` header of a client's jar (none when it is empty)."""
    if not cookies:
        return {}
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}


def keep_cookies(cookies: dict[str, str], response: http.client.HTTPResponse) -> None:
    """Put the cookies ``response`` sets into the jar ``cookies``."""
    for header in response.headers.get_all("Set-Cookie") or []:
        for name, morsel in SimpleCookie(header).items():
            cookies[name] = morsel.value


def missing_programs() -> list[str]:
    """The programs the fault runs need that this machine lacks (Debian packages in brackets)."""
    missing = []
    if shutil.which("redis-server") is None:
        missing.append("redis-server (apt-get install redis-server)")
    if not (PG_BIN / "initdb").exists():
        missing.append(f"{PG_BIN}/initdb (apt-get install postgresql-15)")
    return missing


def _wait(predicate, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    tail = log.read_text()[-3000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} within {timeout:.0f} s\n{tail}")


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


class Scratch:
    """A temporary folder that the ``postgres`` user can enter as well (the cluster runs as
    that user when we are root), removed at the end."""

    def __init__(self, prefix: str):
        self.path = Path(tempfile.mkdtemp(prefix=prefix))
        self.path.chmod(0o755)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


class RedisServer:
    """``redis-server`` on a free port, without persistence: what it held is lost when it
    stops, as after a crash (the outbox in the database is what must survive)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.log = folder / "redis.log"
        self.proc: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
                stdout=log, stderr=subprocess.STDOUT)
        _wait(lambda: _listening(self.port), 20, "redis-server did not start", self.log)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        self.proc = None


class PostgresCluster:
    """A PostgreSQL 15 cluster (``initdb``, ``pg_ctl``) on a free port, trust authentication
    on 127.0.0.1, as the ``postgres`` system user when we are root (PostgreSQL refuses to run
    as root). ``fsync`` is off: the runs restart it cleanly or kill it, never the machine."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.data = folder / "data"
        self.log = folder / "postgres.log"
        self.port = free_port()

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True,
                              timeout=120)

    def url(self, dbname: str = "portal") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--no-sync")

    def _ctl(self, action: str, *extra: str) -> None:
        result = self._run("pg_ctl", action, "-D", str(self.data), "-l", str(self.log),
                           "-w", "-t", "60", *extra, check=False)
        if result.returncode != 0:
            tail = self.log.read_text()[-3000:] if self.log.exists() else ""
            raise RuntimeError(f"pg_ctl {action} failed: {result.stderr}\n{tail}")

    def start(self) -> None:
        self._ctl("start", "-o", f"-p {self.port} -k {self.folder} "
                  "-c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off "
                  "-c max_connections=50")

    def restart(self, mode: str = "fast") -> None:
        """``fast``: a clean restart (connections are ended, the server comes back);
        ``immediate``: as if it crashed, with recovery on the way up."""
        self._ctl("restart", "-m", mode)

    def halt(self) -> None:
        """Stop it (``fast``: connections are ended); ``start`` brings it back."""
        self._ctl("stop", "-m", "fast")

    def outage(self, seconds: float) -> None:
        """Down for ``seconds`` (as during a fail-over), then up again."""
        self.halt()
        time.sleep(seconds)
        self.start()

    def stop(self) -> None:
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w",
                  check=False)

    def create_database(self, name: str = "portal") -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                  name)


def portal_env(*, database_url: str, redis_url: str, var_dir: Path, **extra: str) -> dict:
    """The environment of a portal process (web, worker, beat, manage.py): the production
    settings module, as in ``docker-compose.yml``, with REDIS_URL for broker and cache."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "EMAIL_", "PYTEST_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": database_url, "REDIS_URL": redis_url, "VAR_DIR": str(var_dir),
        "SECRET_KEY": "fault-run-secret-key-not-for-production-0123456789abcdef",
        "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1", "SECURE_COOKIES": "false",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "SITE_URL": "http://127.0.0.1",  # e-mails are written under VAR_DIR/mail/
        "INTAKE_RATE_LIMIT": "1000000/h", "INTAKE_MIN_FILL_SECONDS": "0",
        "PRINT_CONFIRMATION_LINKS": "false", "LOG_LEVEL": "WARNING",
        **extra,
    })
    if not redis_url:
        env.pop("REDIS_URL")
    return env


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def prepare_database(env: dict, slug: str = "fault-org") -> None:
    """Migrate and add one Norwegian organisation ``slug``."""
    manage(env, "shell", "-c", (
        "from django.core.management import call_command\n"
        "call_command('migrate', skip_checks=True, verbosity=0)\n"
        "from requests_app.models import Organisation\n"
        f"Organisation.objects.get_or_create(slug={slug!r}, defaults=dict(name='Feilfirma AS',"
        " country='NO', default_language='nb', time_zone='Europe/Oslo',"
        " contact_email='post@feilfirma.example', supervisory_authority='datatilsynet-no'))"))


class Portal:
    """gunicorn serving ``portal.wsgi`` with ``workers`` sync workers on a free port."""

    def __init__(self, env: dict, log: Path, workers: int = 2):
        self.env, self.log, self.workers = env, log, workers
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Portal:
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(
                [str(Path(PYTHON).parent / "gunicorn"), "portal.wsgi:application",
                 "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
                 "--chdir", str(ROOT), "--timeout", "60"],
                cwd=ROOT, env={**self.env, "WEB_CONCURRENCY": str(self.workers)},
                stdout=log, stderr=subprocess.STDOUT)

        def answers() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
            try:
                return FormClient(self.port).get("/healthz")[0] == 200
            except OSError:
                return False

        _wait(answers, 60, "gunicorn did not answer", self.log)
        return self

    def __exit__(self, *exc) -> None:
        stop_process(self.proc)


class Worker:
    """``celery worker --beat`` (one process, solo pool): sends the outbox and runs beat's
    ``drain_outbox`` every ``OUTBOX_DRAIN_SECONDS`` of its environment."""

    def __init__(self, env: dict, folder: Path):
        self.env, self.folder = env, folder
        self.log = folder / "worker.log"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Worker:
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(
                [PYTHON, "-m", "celery", "-A", "portal", "worker", "--beat", "--pool=solo",
                 "--loglevel=INFO", "--without-gossip", "--without-mingle",
                 "--without-heartbeat", "--schedule", str(self.folder / "beat-schedule"),
                 "-n", f"fault-{os.getpid()}-{time.monotonic_ns()}@%h"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def __exit__(self, *exc) -> None:
        stop_process(self.proc, timeout=20)


class Answer:
    """One response: status, headers (lower-case names), body."""

    def __init__(self, status: int, headers: dict, body: str):
        self.status, self.headers, self.body = status, headers, body

    def hidden(self, name: str) -> str:
        return hidden_value(self.body, name)


class FormClient:
    """One visitor: a connection with its own cookies, which opens the public form and sends
    it as a browser would (CSRF cookie and token, the hidden render stamp)."""

    def __init__(self, port: int, timeout: float = 30):
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> Answer:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = cookie_header(self.cookies)
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
        finally:
            conn.close()
        keep_cookies(self.cookies, response)
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, text)

    def get(self, path: str) -> tuple[int, str]:
        answer = self.request("GET", path)
        return answer.status, answer.body

    def open_form(self, path: str) -> tuple[Answer, dict]:
        """GET the form; returns the answer and the hidden fields to send back (empty if the
        page was not the form)."""
        page = self.request("GET", path)
        if page.status != 200:
            return page, {}
        return page, {"csrfmiddlewaretoken": page.hidden("csrfmiddlewaretoken"),
                      "rendered": page.hidden("rendered")}


def stamp_token(stamp: str) -> str:
    """The submission token inside a form's signed ``rendered`` stamp (``forms.render_stamp``:
    "<time>.<token>:<signature time>:<signature>")."""
    return stamp.split(":", 1)[0].partition(".")[2]


def access_form(name: str, email: str) -> dict:
    """The fields of an access request as a person fills them in."""
    return {"subject_name": name, "subject_email": email, "subject_phone": "",
            "relationship": "customer", "scope": "", "description": "Kundenummer 42",
            "website": ""}


class Sent:
    """One form sent during a load run: the answer and what the person typed."""

    def __init__(self, token: str, form: dict, answer: Answer, client: FormClient):
        self.token, self.form, self.answer, self.client = token, form, answer, client


def submit_under_load(port: int, path: str, *, threads: int, seconds: float,
                      prefix: str = "Person") -> tuple[list[Sent], dict[int, int]]:
    """``threads`` visitors each open the form and send it, again and again, for ``seconds``.
    Returns every form sent (with its answer) and the count of each status of the form GETs.
    A visitor whose GET failed waits a moment and opens the form again; a connection refused
    or reset (gunicorn restarting, say) counts as status 0."""
    import threading

    sent: list[Sent] = []
    gets: dict[int, int] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def visitor(v: int) -> None:
        n = 0
        while time.monotonic() < deadline:
            n += 1
            client = FormClient(port)
            try:
                page, hidden = client.open_form(path)
            except OSError:
                page, hidden = Answer(0, {}, ""), {}
            with lock:
                gets[page.status] = gets.get(page.status, 0) + 1
            if not hidden:
                time.sleep(0.2)
                continue
            form = {**hidden, **access_form(f"{prefix} {v}-{n}", f"p{v}-{n}@example.no")}
            try:
                answer = client.request("POST", path, form)
            except OSError:
                answer = Answer(0, {}, "")
            with lock:
                sent.append(Sent(stamp_token(hidden["rendered"]), form, answer, client))

    workers = [threading.Thread(target=visitor, args=(v,)) for v in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sent, gets
