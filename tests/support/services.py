"""Start and stop PostgreSQL and Redis for tests with scripts/services/*.sh.

The scripts install Debian's packages when missing; exit code 77 means they could
not, and the calling test is skipped with the script's message.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.stack import REPO_ROOT, free_ports

START_SCRIPT = REPO_ROOT / "scripts" / "services" / "start-postgres-redis.sh"
STOP_SCRIPT = REPO_ROOT / "scripts" / "services" / "stop-postgres-redis.sh"
EXIT_UNAVAILABLE = 77


@dataclass(frozen=True)
class Services:
    tracker_db_url: str
    redis_url: str
    data_dir: Path
    startup_seconds: float

    @property
    def env(self) -> dict[str, str]:
        return {"TRACKER_DB_URL": self.tracker_db_url, "REDIS_URL": self.redis_url}


def start_services(data_dir: Path, timeout: float = 600) -> Services:
    """Start fresh servers on free ports with their data in ``data_dir`` (wiped first).

    ``data_dir`` must be readable by the ``postgres`` user when running as root,
    so not under pytest's private tmp folder.
    """
    shutil.rmtree(data_dir, ignore_errors=True)
    pg_port, redis_port = free_ports(2)
    started = time.monotonic()
    done = subprocess.run(
        ["bash", str(START_SCRIPT), str(data_dir)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "PG_PORT": str(pg_port), "REDIS_PORT": str(redis_port)},
    )
    if done.returncode == EXIT_UNAVAILABLE:
        pytest.skip(f"PostgreSQL/Redis unavailable: {done.stderr.strip()}")
    if done.returncode != 0:
        raise RuntimeError(f"{START_SCRIPT.name} failed ({done.returncode}):\n{done.stderr}")
    env = dict(line.split("=", 1) for line in done.stdout.split())
    return Services(env["TRACKER_DB_URL"], env["REDIS_URL"], data_dir,
                    time.monotonic() - started)


def stop_services(services: Services) -> None:
    subprocess.run(["bash", str(STOP_SCRIPT), str(services.data_dir)],
                   cwd=REPO_ROOT, check=True, timeout=120)
    shutil.rmtree(services.data_dir, ignore_errors=True)
