"""Train and serve the two assistants under test, timing training and start-up.

Our assistant is served by ``tests.support.stack.RasaStack`` exactly as the tests
serve it (action server, SQL tracker store in a temporary SQLite file, production
logging config); the stock bot by one ``ManagedProcess`` running ``rasa run`` in its
generated folder (no action server, in-memory tracker store, as ``rasa init`` made it).
Training runs with a fresh Rasa cache folder so that nothing is reused between runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional, Sequence

import yaml

from tests.support.stack import (
    REPO_ROOT,
    ManagedProcess,
    RasaStack,
    free_ports,
    say,
    stop_processes,
    wait_until_ready,
)

START_TIMEOUT = 300.0


@dataclass(frozen=True)
class Served:
    """A running assistant: its REST base URL, start-up time and the pids to watch."""

    url: str
    startup_seconds: float
    rasa_pid: int
    action_pid: int | None


def _rasa_env(cache_dir: Path) -> dict[str, str]:
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false",
            "RASA_CACHE_DIRECTORY": str(cache_dir)}


def _run_timed(command: Sequence[str], cwd: Path, env: dict[str, str], log: Path) -> float:
    """Run ``command`` to completion; return its wall time; raise with the log tail on failure."""
    started = time.monotonic()
    with log.open("wb") as out:
        done = subprocess.run(list(command), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                              stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}); log {log}:\n{tail}")
    return time.monotonic() - started


def train_ours(workdir: Path, config: Path) -> tuple[Path, float]:
    """Train our assistant into ``workdir``; return the model and the training time."""
    out = workdir / "models"
    seconds = _run_timed(
        [sys.executable, "-m", "bot.rasa_cli", "train", "--fixed-model-name", "bench",
         "-c", str(config), "-d", "domain.yml", "--data", "data", "--out", str(out)],
        REPO_ROOT, _rasa_env(workdir / "cache"), workdir / "train-ours.log")
    return out / "bench.tar.gz", seconds


def init_stock(workdir: Path) -> tuple[Path, Path, float]:
    """Generate and train the stock bot with ``rasa init --no-prompt``.

    Returns its folder, its model and the time ``rasa init`` took; copying the
    template takes well under a second of that, the rest is training.
    """
    project = workdir / "stock"
    project.mkdir()  # with --no-prompt, rasa init wants the folder to exist
    seconds = _run_timed(
        [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(project)],
        workdir, _rasa_env(workdir / "cache-stock"), workdir / "init-stock.log")
    models = sorted((project / "models").glob("*.tar.gz"))
    if not models:
        raise RuntimeError(f"rasa init trained no model in {project / 'models'}")
    return project, models[-1], seconds


def _first_reply(url: str, started: float) -> float:
    """Send "hi" until it gets a reply; return the seconds since ``started``."""
    if not say(url, "bench-startup-probe", "hi", timeout=START_TIMEOUT):
        raise RuntimeError(f"{url} answered the start-up probe with no reply")
    return time.monotonic() - started


def repo_endpoints() -> dict[str, Any]:
    """endpoints.yml with the action endpoint's URL left for ``RasaStack`` to fill in."""
    endpoints = yaml.safe_load((REPO_ROOT / "endpoints.yml").read_text())
    endpoints.get("action_endpoint", {}).pop("url", None)
    return endpoints


@contextmanager
def serve_ours(workdir: Path, model: Path, endpoints: Optional[Mapping[str, Any]] = None,
               env: Optional[Mapping[str, str]] = None) -> Iterator[Served]:
    """Serve our assistant as the tests' ``bot_stack`` does (``endpoints``: default the repo's)."""
    endpoints = repo_endpoints() if endpoints is None else endpoints
    env = {"TRACKER_DB_URL": f"sqlite:///{workdir / 'tracker.db'}",
           "DIRECTORY_DB_URL": f"sqlite:///{workdir / 'directory.db'}", **(env or {})}
    started = time.monotonic()
    with RasaStack(workdir / "serve-ours", model=model, endpoints=endpoints, env=env,
                   timeout=START_TIMEOUT) as stack:
        url = stack.rasa_urls[0]
        startup = _first_reply(url, started)
        yield Served(url, startup, stack.processes[1].popen.pid, stack.processes[0].popen.pid)


@contextmanager
def serve_stock(project: Path, model: Path) -> Iterator[Served]:
    """Serve the stock bot from its own folder with its own endpoints and credentials."""
    (port,) = free_ports(1)
    url = f"http://127.0.0.1:{port}"
    process = ManagedProcess(
        name="stock rasa",
        command=[sys.executable, "-m", "rasa", "run", "-m", str(model),
                 "-i", "127.0.0.1", "-p", str(port)],
        log_path=project / "logs" / "rasa.log",
        probe_urls=[f"{url}/", f"{url}/webhooks/rest/"],
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONUNBUFFERED": "1"},
        cwd=project,
    )
    started = time.monotonic()
    process.start()
    try:
        wait_until_ready([process], START_TIMEOUT)
        startup = _first_reply(url, started)
        yield Served(url, startup, process.popen.pid, None)
    finally:
        stop_processes([process])
