"""Every command the README tells a person to run works exactly as written on a fresh clone.

``COMMANDS`` lists each command of the README (its ``sh`` blocks and its inline spans that
start a program: ``make``, ``.venv/bin/python``, ``.ci/run``, ``NAME=value ...``) and how it is
checked; a test compares the list with the README, so the two cannot drift: a command added
to the README fails here until the list says how it is checked.

The other test copies the checkout as a clone has it (the files git tracks or would add;
nothing of ``var/`` or ``.venv``) and runs the commands there exactly as written, with none
of this run's configuration in the environment (no ``DEBUG``, ``SECRET_KEY``,
``DATABASE_URL``, ...): ``make run`` until the portal answers, then each ``manage.py``
command against what it made; then the demo with electronic identity as the README gives it
(``make eid-provider`` in one terminal, ``DEMO_EID_ISSUER=... make run`` in another), and
with the privacy mailbox (``make demo-mailbox``, ``DEMO_MAILBOX=... make run``), each
until it answers. A placeholder in capitals (``NAME``, ``USERNAME``) is a demo
login. Two are run elsewhere, and the list says where: ``make test`` (CI runs it, ``.ci/run``)
and Docker Compose (no Docker engine on our machines; ``docs/docker.md``).

The one download a clone's first ``make run`` makes besides the locked packages is uv itself
(``var/tools``); the copy links this checkout's, which ``make test`` has installed. The
packages come from uv's cache.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

RUN = "run"  # run in the fresh copy by ``test_the_readmes_commands_work_as_written``
CI = "ci"  # run by CI
ELSEWHERE = "elsewhere"
SERVED = "served"  # a server started in the fresh copy until it answers, then stopped

#: Every command the README gives, and how this file checks it.
COMMANDS = {
    "make run": (RUN, "started in the fresh copy until the portal answers"),
    "make help": (RUN, "lists the targets"),
    ".venv/bin/python manage.py changepassword onlinepos-no-handler": (RUN, "new password"),
    ".venv/bin/python manage.py staff_otp USERNAME": (RUN, "authenticator and backup codes"),
    ".venv/bin/python manage.py axes_reset": (RUN, "unlocks everyone"),
    ".venv/bin/python manage.py axes_reset_username NAME": (RUN, "unlocks one user"),
    ".venv/bin/python manage.py load_demo --no-history": (RUN, "organisations and logins"),
    ".venv/bin/python manage.py check --deploy": (RUN, "the configuration's checks"),
    "make test": (CI, ".ci/run runs it against PostgreSQL and Redis"),
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal REDIS_URL=redis://127.0.0.1:6379/0 "
    "make test": (CI, ".ci/run, with the machine's PostgreSQL and Redis"),
    ".ci/run": (CI, "CI itself"),
    "make lint": (RUN, "ruff and the import contract, with the test tools it installs"),
    ".venv/bin/python manage.py fetch_mailboxes": (RUN, "reads the (no) mailboxes of the demo"),
    "make system-deps": (CI, "`make test` runs it first"),
    "make eid-provider": (SERVED, "the demo's OpenID provider, until its discovery answers"),
    "DEMO_EID_ISSUER=http://127.0.0.1:9000 make run": (
        SERVED, "the demo connected to that provider, until the portal answers"),
    "make demo-mailbox": (SERVED, "the demo's IMAP server, until it says it is ready"),
    "DEMO_MAILBOX=imap://privacy:mailbox-test-password@127.0.0.1:1143 make run": (
        SERVED, "the demo reading that mailbox, until the portal answers"),
    "SECRET_KEY=... docker compose up --build": (
        ELSEWHERE, "no Docker engine runs on our machines (docs/docker.md)"),
}
#: A demo login the placeholders stand for.
LOGIN = "onlinepos-no-handler"
#: What a command the README gives starts with.
PROGRAMS = re.compile(r"^(make |\.venv/bin/|\.ci/|manage\.py |[A-Z_]+=\S+ )")


def readme_commands(text: str) -> set[str]:
    """The commands of the README: each line of its ``sh`` blocks (without the comment) and
    each inline code span that starts a program (a span may run over a line break)."""
    commands = set()
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line:
                commands.add(line)
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    for span in re.findall(r"`([^`]+)`", prose):
        span = " ".join(span.split())
        if PROGRAMS.match(span):
            commands.add(span)
    return commands


def test_the_list_of_commands_is_the_readmes():
    assert readme_commands(README.read_text()) == set(COMMANDS)


def test_no_readme_command_runs_manage_py_without_the_venvs_python():
    # `manage.py X` alone runs whatever python is first on the PATH, without the packages.
    assert not [c for c in COMMANDS if c.startswith("manage.py")]


# --- The fresh copy ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_env(**extra) -> dict:
    """The environment of a person at a shell: nothing of this test run's configuration."""
    drop = ("DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "DATABASE_URL", "REDIS_URL", "VAR_DIR",
            "DJANGO_SETTINGS_MODULE", "SITE_URL", "EMAIL_URL", "VIRTUAL_ENV",
            "UV_PROJECT_ENVIRONMENT", "PYTHONPATH",
            # Set for the browser tests by the root conftest.py; `check --deploy` refuses it.
            "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("PYTEST")}
    return {**env, **extra}


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """The checkout's files as a clone has them, with uv linked (see the module's doc)."""
    uv = ROOT / "var" / "tools"
    if not (uv / "bin" / "uv").exists():
        pytest.fail(f"{uv}/bin/uv is missing: run `make install-dev` once (it installs uv).",
                    pytrace=False)
    target = tmp_path_factory.mktemp("clone") / "portal"
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                            "--exclude-standard"], cwd=ROOT, capture_output=True,
                           check=True).stdout.split(b"\0")
    for name in filter(None, (f.decode() for f in files)):
        source = ROOT / name
        if name in (".venv", "var") or source.is_dir() or not source.exists():
            continue  # a link to a shared venv, or a file deleted but not yet committed
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / name)
    (target / "var").mkdir()
    (target / "var" / "tools").symlink_to(uv.resolve())
    return target


def _run(clone: Path, command: str, *, stdin: str = "", timeout: int = 300):
    """One command as written, in a shell of its own session: with no terminal to ask on,
    a password prompt reads its answer from stdin."""
    return subprocess.run(command, shell=True, cwd=clone, env=_clean_env(), input=stdin,
                          capture_output=True, text=True, timeout=timeout,
                          start_new_session=True)


def _placeholders(command: str) -> str:
    return re.sub(r"\b(USERNAME|NAME)\b", LOGIN, command)


def _serve(clone: Path, command: str, url: str, log: Path, *, env: dict | None = None,
           timeout: int = 600) -> tuple[int | None, subprocess.Popen]:
    """Start a long-running command as written, in a session of its own, and wait until
    ``url`` answers. Returns the status and the process (stop it with ``_stop``)."""
    with open(log, "w") as out:
        process = subprocess.Popen(command, shell=True, cwd=clone, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True,
                                   env=_clean_env(**(env or {})))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, process
        except OSError:
            time.sleep(2)
    return None, process


def _stop(process: subprocess.Popen) -> None:
    """As a person would (Ctrl-C), then harder; and whatever it started (a Celery worker that
    outlives make in its warm shutdown) goes with its session, so no run leaves one behind."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # the whole session has ended
    process.wait()


@pytest.mark.worker
def test_the_readmes_commands_work_as_written(clone):
    # 1. `make run`, until the portal answers; then stopped as a person would (Ctrl-C).
    port = _free_port()
    log = clone / "make-run.log"
    answered, process = _serve(clone, "make run", f"http://127.0.0.1:{port}/nb/", log,
                               env={"ADDR": f"127.0.0.1:{port}"})
    _stop(process)
    output = log.read_text()
    assert answered == 200, output[-3000:]
    assert "Demo history:" in output, output[-3000:]
    assert (clone / "var" / "local.env").read_text().count("DEBUG=true") == 1

    # The demo with BankID and MitID: the provider in one terminal, the portal in another.
    provider_log, eid_log = clone / "eid-provider.log", clone / "make-run-eid.log"
    provider = portal = None
    try:
        discovery, provider = _serve(
            clone, "make eid-provider",
            "http://127.0.0.1:9000/.well-known/openid-configuration", provider_log, timeout=300)
        assert discovery == 200, provider_log.read_text()[-3000:]
        answered, portal = _serve(
            clone, "DEMO_EID_ISSUER=http://127.0.0.1:9000 make run",
            f"http://127.0.0.1:{port}/nb/", eid_log, env={"ADDR": f"127.0.0.1:{port}"})
    finally:
        for running in (portal, provider):
            if running is not None:
                _stop(running)
    output = eid_log.read_text()
    assert answered == 200, output[-3000:]
    assert "eID (BankID, MitID) through http://127.0.0.1:9000" in output, output[-3000:]

    # The demo's privacy mailbox: the IMAP server in one terminal, the portal in another.
    mailbox_log, mail_log = clone / "demo-mailbox.log", clone / "make-run-mailbox.log"
    imap = portal = None
    try:
        with open(mailbox_log, "w") as out:
            imap = subprocess.Popen("make demo-mailbox", shell=True, cwd=clone, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True,
                                    env=_clean_env())
        deadline = time.monotonic() + 300
        while (time.monotonic() < deadline and imap.poll() is None
               and "Ctrl-C" not in mailbox_log.read_text()):
            time.sleep(1)
        assert "Ctrl-C" in mailbox_log.read_text(), mailbox_log.read_text()[-3000:]
        answered, portal = _serve(
            clone, "DEMO_MAILBOX=imap://privacy:mailbox-test-password@127.0.0.1:1143 make run",
            f"http://127.0.0.1:{port}/nb/", mail_log, env={"ADDR": f"127.0.0.1:{port}"})
    finally:
        for running in (portal, imap):
            if running is not None:
                _stop(running)
    output = mail_log.read_text()
    assert answered == 200, output[-3000:]
    assert "Privacy mailbox of onlinepos-no: imap://privacy@127.0.0.1:1143" in output, \
        output[-3000:]

    # 2. Each other command, as written.
    ran = {"make run"}
    for command, (how, _why) in COMMANDS.items():
        if how != RUN or command in ran:
            continue
        stdin = "Demo-Passw0rd-14x\nDemo-Passw0rd-14x\n" if "changepassword" in command else ""
        result = _run(clone, _placeholders(command), stdin=stdin)
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
        ran.add(command)
    assert ran == {c for c, (how, _why) in COMMANDS.items() if how == RUN}

    # What they did: the new password works.
    check = _run(clone, ".venv/bin/python manage.py shell -c \"from django.contrib.auth"
                 ".models import User; "
                 f"print(User.objects.get(username='{LOGIN}').check_password("
                 "'Demo-Passw0rd-14x'))\"")
    assert check.stdout.strip().splitlines()[-1] == "True", check.stderr
