"""Start the action server and Rasa servers as subprocesses for tests.

Usage::

    from tests.support.stack import RasaStack, require_model, say

    def test_something(tmp_path):
        model = require_model()
        with RasaStack(tmp_path, model=model, replicas=2,
                       endpoints={"tracker_store": {...}}) as stack:
            replies = say(stack.rasa_urls[0], "alice", "hi")

Both servers use the production logging config (bot/privacy/logging.yml, log
redaction) unless ``logging_config=None``. Every process runs from the repository
root with ``RASA_TELEMETRY_ENABLED=false`` plus the given environment overrides,
on a free loopback port, and logs to ``<workdir>/logs/<name>.log``. The stack writes ``endpoints.yml`` (with the action
endpoint pointing at its own action server) and ``credentials.yml`` (the REST
channel plus anything given) into ``workdir``. A process counts as ready when
its probe URLs answer HTTP 200: ``/health`` for the action server, ``/`` and
``/webhooks/rest/`` for Rasa (Rasa loads the model in a ``before_server_start``
listener, so ``/`` only answers once the model is loaded). Probing writes no
conversation into the tracker store. If a process exits early or is not ready
in time, :class:`StartupError` names it and quotes the tail of its log.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Mapping, Optional, Sequence

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = REPO_ROOT / "models" / "current.tar.gz"
# The production logging config (log redaction), used by both servers unless told otherwise.
LOGGING_CONFIG = REPO_ROOT / "bot" / "privacy" / "logging.yml"
LOG_TAIL_LINES = 40
# Set by `make test`: a missing model is then an error, not a skip.
REQUIRE_MODEL_ENV = "REQUIRE_MODEL"


class StartupError(RuntimeError):
    """A managed process exited early or did not become ready in time."""


def free_ports(count: int) -> list[int]:
    """Return ``count`` distinct free TCP ports on 127.0.0.1 (bind-to-0 trick)."""
    with ExitStack() as stack:
        sockets = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]


def require_model(path: Path = DEFAULT_MODEL) -> Path:
    """Return the trained model path; skip the test if missing (fail under `make test`)."""
    import pytest

    if path.exists():
        return path
    message = (
        f"trained model {path} is missing; run "
        "`rasa train --fixed-model-name current` (make test does this first)"
    )
    if os.environ.get(REQUIRE_MODEL_ENV):
        pytest.fail(message)
    pytest.skip(message)


def http_get_ok(url: str, timeout: float = 2.0) -> bool:
    """True when ``url`` answers HTTP 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def say(url: str, sender: str, text: str, timeout: float = 60.0) -> list[dict]:
    """Send ``text`` as ``sender`` through Rasa's REST channel; return the bot messages."""
    body = json.dumps({"sender": sender, "message": text}).encode("utf-8")
    request = urllib.request.Request(
        f"{url}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last ``lines`` lines of a log file (empty if it does not exist)."""
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class ManagedProcess:
    """One subprocess with a log file and the URLs that must answer 200 when ready."""

    name: str
    command: Sequence[str]
    log_path: Path
    probe_urls: Sequence[str]
    env: Mapping[str, str]
    cwd: Path = REPO_ROOT
    popen: Optional[subprocess.Popen] = field(default=None, init=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.popen = subprocess.Popen(
                list(self.command),
                cwd=self.cwd,
                env=dict(self.env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def _failure(self, reason: str) -> StartupError:
        return StartupError(
            f"{self.name} {reason}.\ncommand: {' '.join(self.command)}\n"
            f"log {self.log_path} (last {LOG_TAIL_LINES} lines):\n{log_tail(self.log_path)}"
        )

    def is_ready(self) -> bool:
        """True when every probe answers 200; raises if the process has exited."""
        assert self.popen is not None, "start() first"
        code = self.popen.poll()
        if code is not None:
            raise self._failure(f"exited with code {code} before becoming ready")
        return all(http_get_ok(url) for url in self.probe_urls)

    def timeout_error(self, seconds: float) -> StartupError:
        return self._failure(f"was not ready after {seconds:g} s")

    def signal(self, sig: int) -> bool:
        """Send ``sig`` if still running; True when a signal was sent."""
        if self.popen is None or self.popen.poll() is not None:
            return False
        self.popen.send_signal(sig)
        return True


def stop_processes(processes: Sequence[ManagedProcess], grace: float = 15.0) -> None:
    """Stop all processes: SIGINT, then SIGTERM, then SIGKILL, ``grace`` seconds apart."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        running = [process for process in processes if process.signal(sig)]
        deadline = time.monotonic() + grace
        for process in running:
            try:
                process.popen.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        if all(process.popen.poll() is not None for process in running):
            return


def wait_until_ready(
    processes: Sequence[ManagedProcess], timeout: float, interval: float = 0.5
) -> None:
    """Poll all processes until each is ready; raise :class:`StartupError` otherwise."""
    pending = list(processes)
    deadline = time.monotonic() + timeout
    while pending:
        pending = [process for process in pending if not process.is_ready()]
        if not pending:
            return
        if time.monotonic() > deadline:
            raise pending[0].timeout_error(timeout)
        time.sleep(interval)


class RasaStack:
    """An action server plus ``replicas`` Rasa servers sharing one endpoints file."""

    def __init__(
        self,
        workdir: Path,
        *,
        model: Path = DEFAULT_MODEL,
        replicas: int = 1,
        endpoints: Optional[Mapping[str, Any]] = None,
        credentials: Optional[Mapping[str, Any]] = None,
        env: Optional[Mapping[str, str]] = None,
        rasa_args: Sequence[str] = (),
        logging_config: Optional[Path] = LOGGING_CONFIG,
        timeout: float = 300.0,
    ) -> None:
        self.workdir = Path(workdir)
        self.model = Path(model)
        self.replicas = replicas
        self.extra_endpoints = dict(endpoints or {})
        self.extra_credentials = dict(credentials or {})
        self.env = {
            **os.environ,
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.rasa_args = list(rasa_args)
        self.logging_config = logging_config
        self.timeout = timeout
        ports = free_ports(replicas + 1)
        self.action_port, self.rasa_ports = ports[0], ports[1:]
        self.endpoints_path = self.workdir / "endpoints.yml"
        self.credentials_path = self.workdir / "credentials.yml"
        self.log_dir = self.workdir / "logs"
        self.processes: list[ManagedProcess] = []

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    @property
    def rasa_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.rasa_ports]

    def write_config(self) -> None:
        """Write endpoints.yml and credentials.yml for this stack into ``workdir``."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        # The given action endpoint's settings, with our own action server unless it names a URL.
        endpoints = {
            **self.extra_endpoints,
            "action_endpoint": {"url": f"{self.action_url}/webhook",
                                **(self.extra_endpoints.get("action_endpoint") or {})},
        }
        # Rasa's REST channel, unless the caller gives one of its own (the project's).
        credentials = dict(self.extra_credentials)
        if not any(key == "rest" or key.endswith("RestInput") for key in credentials):
            credentials = {"rest": None, **credentials}
        self.endpoints_path.write_text(yaml.safe_dump(endpoints, sort_keys=False))
        self.credentials_path.write_text(yaml.safe_dump(credentials, sort_keys=False))

    def _logging_args(self, flag: str) -> list[str]:
        return [flag, str(self.logging_config)] if self.logging_config else []

    def _action_process(self) -> ManagedProcess:
        return ManagedProcess(
            name="action server",
            command=[sys.executable, "-m", "rasa_sdk", "--actions", "actions",
                     "-p", str(self.action_port),
                     # rasa_sdk really spells this flag with an underscore
                     *self._logging_args("--logging-config_file")],
            log_path=self.log_dir / "actions.log",
            probe_urls=[f"{self.action_url}/health"],
            env=self.env,
        )

    def _rasa_process(self, index: int) -> ManagedProcess:
        port = self.rasa_ports[index]
        url = self.rasa_urls[index]
        return ManagedProcess(
            name=f"rasa replica {index}",
            command=[sys.executable, "-m", "bot.rasa_cli", "run",
                     "-m", str(self.model),
                     "--endpoints", str(self.endpoints_path),
                     "--credentials", str(self.credentials_path),
                     "-i", "127.0.0.1", "-p", str(port),
                     *self._logging_args("--logging-config-file"),
                     *self.rasa_args],
            log_path=self.log_dir / f"rasa-{index}.log",
            probe_urls=[f"{url}/", f"{url}/webhooks/rest/"],
            env=self.env,
        )

    def start(self) -> "RasaStack":
        self.write_config()
        self.processes = [self._action_process()] + [
            self._rasa_process(index) for index in range(self.replicas)
        ]
        try:
            for process in self.processes:
                process.start()
            wait_until_ready(self.processes, self.timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        stop_processes(self.processes)

    def __enter__(self) -> "RasaStack":
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.stop()
