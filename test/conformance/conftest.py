"""
Shared by both halves of the conformance suite (suite/ in the main venv, ciscoris/ in its own venv): starts the CUCM
simulator the way a user would (`npx tsx simulator/main.ts`), with every node on the real ports (node i on
127.0.0.(i+1), HTTPS on 8443 and 443, SSH on 22), reads the endpoints file it writes, and tears it down by its process group.

Standard library only, so that both venvs can load it.
"""
import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.request

import pytest

# This machine points requests at a CA bundle through the environment; requests lets that override verify=False
# (a known requests behaviour), so the clients could not reach a node with a self-signed tomcat certificate as they
# do against a lab CUCM. Unset before any client is imported.
for _name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
    os.environ.pop(_name, None)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONFIG = os.environ.get("CONFORMANCE_CONFIG", os.path.join(ROOT, "simulator", "configs", "lab-14-mixed-3node.json"))
# A second simulator, started only by the tests that ask for it (fixture sim15).
CONFIG_15 = os.environ.get(
    "CONFORMANCE_CONFIG_15", os.path.join(ROOT, "simulator", "configs", "conformance-15-kbdint.json")
)
HTTPS_PORT = int(os.environ.get("CONFORMANCE_HTTPS_PORT", "8443"))
# A real node serves HTTPS on 443 as well, where public clients call the certificate REST API.
REST_PORT = int(os.environ.get("CONFORMANCE_REST_PORT", "443"))
SSH_PORT = int(os.environ.get("CONFORMANCE_SSH_PORT", "22"))
# The simulator's delays (CLI start-up ~8 s, Tomcat restart ~12 s) scaled down: the clients' behaviour is the point.
TIME_SCALE = os.environ.get("CONFORMANCE_TIME_SCALE", "0.05")


class Simulator:
    def __init__(self, endpoints, log_path):
        self.endpoints = endpoints
        self.log_path = log_path
        self.cluster = endpoints["clusters"][0]
        self.nodes = self.cluster["nodes"]
        self.publisher = next(n for n in self.nodes if n["role"] == "publisher")
        self.control_url = endpoints["control"]

    def node(self, name):
        return next(n for n in self.nodes if n["name"] == name)

    def control(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.control_url + path, data=data, method=method, headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=30) as res:
            return json.loads(res.read() or b"null")

    def events(self, kind=None, since=None):
        query = []
        if kind:
            query.append(f"kind={kind}")
        if since is not None:
            query.append(f"since={since}")
        path = f"/clusters/{self.cluster['id']}/events" + ("?" + "&".join(query) if query else "")
        return self.control("GET", path)

    def fault(self, body):
        return self.control("POST", f"/clusters/{self.cluster['id']}/faults", body)


def _simulator(config):
    """Starts `npx tsx simulator/main.ts` on `config`, yields the Simulator once it wrote its endpoints, stops it."""
    workdir = tempfile.mkdtemp(prefix="cucm-conformance-")
    endpoints_path = os.path.join(workdir, "endpoints.json")
    log_path = os.path.join(workdir, "simulator.log")
    log = open(log_path, "w")
    cmd = [
        "npx", "tsx", "simulator/main.ts",
        "--config", config,
        "--endpoints-out", endpoints_path,
        "--addressing", "loopback",
        "--https-port", str(HTTPS_PORT),
        "--also-https-port", str(REST_PORT),
        "--ssh-port", str(SSH_PORT),
        "--time-scale", TIME_SCALE,
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 180
        while not os.path.exists(endpoints_path):
            if proc.poll() is not None:
                log.flush()
                raise RuntimeError(f"the simulator exited ({proc.returncode}): {open(log_path).read()[-2000:]}")
            if time.time() > deadline:
                raise RuntimeError(f"the simulator did not write {endpoints_path} within 180 s")
            time.sleep(0.2)
        with open(endpoints_path) as f:
            yield Simulator(json.load(f), log_path)
    finally:
        # Only the process group this fixture started.
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        log.close()


@pytest.fixture(scope="session")
def sim():
    yield from _simulator(CONFIG)


@pytest.fixture(scope="session")
def sim15():
    """A CUCM 15 cluster that refuses SSH password authentication (keyboard-interactive only), on 127.0.1.x: the
    same real ports as `sim`, on addresses of its own, so both can run at once."""
    yield from _simulator(CONFIG_15)
