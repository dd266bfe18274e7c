import os
import socket

import pytest
from devstack import procs, services
from devstack.paths import DevstackError

READY_APP = """
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

class Ready(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health/ready" else 404)
        self.end_headers()

HTTPServer(("127.0.0.1", int(os.environ["PROBE_PORT"])), Ready).serve_forever()
"""


@pytest.fixture
def probe(tmp_path, monkeypatch):
    """A throwaway service module on a free port, with devstack's run folder in tmp_path."""
    monkeypatch.setattr(procs, "run_dir", lambda: tmp_path / "run")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    service = services.Service("probe", "probe_app", "PROBE_PORT", port)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "PROBE_PORT": str(port)}
    yield service, env, tmp_path / "probe_app.py"
    services.stop(service)


def test_a_service_starts_once_answers_ready_and_stops(probe):
    service, env, module = probe
    module.write_text(READY_APP)

    assert services.start(service, env) is True
    services.wait_ready(service, env, timeout=15)
    assert services.start(service, env) is False
    assert services.stop(service) is True

    assert not procs.port_answers(service.port(env))
    assert procs.read_pid(service.name) is None


def test_a_service_that_exits_fails_fast_showing_its_log(probe):
    service, env, module = probe
    module.write_text("print('boom: no settings')\nraise SystemExit(3)\n")

    services.start(service, env)

    with pytest.raises(DevstackError, match="exited during start-up(.|\n)*boom: no settings"):
        services.wait_ready(service, env, timeout=15)
