"""Tests of the test launcher itself; none of them needs a trained model."""

import http.server
import json
import os
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from tests.support.stack import (
    ManagedProcess,
    RasaStack,
    StartupError,
    free_ports,
    say,
    stop_processes,
    wait_until_ready,
)


def python_process(tmp_path: Path, code: str, probe_urls: list[str]) -> ManagedProcess:
    return ManagedProcess(
        name="fake server",
        command=[sys.executable, "-u", "-c", code],
        log_path=tmp_path / "fake.log",
        probe_urls=probe_urls,
        env=dict(os.environ),
    )


def test_timeout_error_names_process_and_quotes_log(tmp_path):
    (port,) = free_ports(1)
    process = python_process(
        tmp_path, "print('still loading the model'); import time; time.sleep(60)",
        [f"http://127.0.0.1:{port}/"],
    )
    process.start()
    try:
        started = time.monotonic()
        with pytest.raises(StartupError) as error:
            wait_until_ready([process], timeout=1.5, interval=0.2)
        assert time.monotonic() - started < 10
    finally:
        stop_processes([process], grace=5)
    message = str(error.value)
    assert "fake server was not ready after 1.5 s" in message
    assert "still loading the model" in message
    assert process.popen.poll() is not None


def test_early_exit_reports_exit_code_and_log(tmp_path):
    process = python_process(tmp_path, "print('bad endpoints file'); raise SystemExit(3)", [])
    process.start()
    process.popen.wait(timeout=30)
    with pytest.raises(StartupError, match="exited with code 3") as error:
        wait_until_ready([process], timeout=5)
    assert "bad endpoints file" in str(error.value)


def test_ready_when_probe_answers(tmp_path):
    (port,) = free_ports(1)
    code = (
        "import http.server as h\n"
        f"h.HTTPServer(('127.0.0.1', {port}), h.SimpleHTTPRequestHandler).serve_forever()"
    )
    process = python_process(tmp_path, code, [f"http://127.0.0.1:{port}/"])
    process.start()
    try:
        wait_until_ready([process], timeout=30, interval=0.1)
    finally:
        stop_processes([process], grace=5)
    assert process.popen.returncode is not None


def test_sigint_ignored_falls_back_to_sigterm(tmp_path):
    code = "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(60)"
    process = python_process(tmp_path, code, [])
    process.start()
    time.sleep(0.5)
    started = time.monotonic()
    stop_processes([process], grace=1)
    assert process.popen.returncode == -15
    assert time.monotonic() - started < 5


def test_config_points_action_endpoint_at_own_action_server(tmp_path):
    stack = RasaStack(
        tmp_path, replicas=2,
        endpoints={"lock_store": {"type": "in_memory"}},
        credentials={"socketio": {"user_message_evt": "user_uttered"}},
    )
    stack.write_config()
    endpoints = yaml.safe_load(stack.endpoints_path.read_text())
    credentials = yaml.safe_load(stack.credentials_path.read_text())
    assert endpoints["action_endpoint"]["url"] == f"http://127.0.0.1:{stack.action_port}/webhook"
    assert endpoints["lock_store"] == {"type": "in_memory"}
    assert set(credentials) == {"rest", "socketio"}
    assert len(set([stack.action_port, *stack.rasa_ports])) == 3


def test_say_posts_to_rest_webhook():
    received = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            received["path"] = self.path
            received["body"] = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            payload = json.dumps([{"recipient_id": "ann", "text": "hello"}]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        replies = say(f"http://127.0.0.1:{server.server_port}", "ann", "hi there")
    finally:
        server.shutdown()
    assert received == {"path": "/webhooks/rest/webhook",
                        "body": {"sender": "ann", "message": "hi there"}}
    assert replies == [{"recipient_id": "ann", "text": "hello"}]
