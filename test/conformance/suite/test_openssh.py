"""
OpenSSH's own `ssh` client in a real terminal (tmux): password login, then typed-ahead input, as an engineer pastes
several commands at once or types before the first `admin:` prompt. A real terminal buffers what was typed ahead and
the CLI runs every command, in order.
"""
import re
import shutil
import subprocess
import time
import uuid

import pytest

from ssh_options import SSH_OPTIONS

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is missing: .ci/run installs it")


class Terminal:
    def __init__(self, command):
        self.name = f"conformance-{uuid.uuid4().hex[:8]}"
        # A tmux server of its own (-L): nothing shared with the user's tmux or another terminal of the suite.
        self.tmux = ["tmux", "-L", self.name]
        subprocess.run([*self.tmux, "new-session", "-d", "-s", self.name, "-x", "200", "-y", "50", command], check=True)

    def screen(self):
        return subprocess.run(
            [*self.tmux, "capture-pane", "-p", "-J", "-S", "-2000", "-t", self.name], capture_output=True, text=True
        ).stdout

    def type(self, text):
        subprocess.run([*self.tmux, "send-keys", "-t", self.name, "-l", text], check=True)

    def enter(self):
        subprocess.run([*self.tmux, "send-keys", "-t", self.name, "Enter"], check=True)

    def wait_for(self, pattern, timeout=60, count=1):
        deadline = time.time() + timeout
        while time.time() < deadline:
            text = self.screen()
            if len(re.findall(pattern, text, re.M)) >= count:
                return text
            time.sleep(0.2)
        raise AssertionError(f"{pattern!r} x{count} not on screen within {timeout} s:\n{self.screen()[-1500:]}")

    def close(self):
        subprocess.run([*self.tmux, "kill-server"], capture_output=True)


@pytest.fixture
def terminal(sim):
    node = sim.node("cucm14-sub2")
    term = Terminal(f"ssh {' '.join(SSH_OPTIONS)} -p {node['sshPort']} {node['username']}@{node['host']}")
    term.node = node
    yield term
    term.close()


def login(term):
    term.wait_for(r"[Pp]assword:")
    term.type(term.node["password"])
    term.enter()


def test_login(terminal):
    login(terminal)
    terminal.wait_for(r"^admin: ?$|admin: $")
    terminal.type("show version active")
    terminal.enter()
    assert "Active Master Version: 14.0.1.13900-155" in terminal.wait_for(r"Active Master Version")


def test_typed_ahead_before_the_first_prompt_and_two_at_once(sim, terminal):
    login(terminal)
    # Before the CLI's first prompt (it is still starting up), then two commands in one write.
    terminal.wait_for(r"Command Line Interface is starting up")
    terminal.type("set cli pagination off\r")
    terminal.type("show version active\rshow network cluster\rutils service list\r")
    screen = terminal.wait_for(r"Primary Node =", timeout=90)
    assert "Active Master Version: 14.0.1.13900-155" in screen
    assert screen.index("Active Master Version") < screen.index("cucm14-pub") < screen.index("Primary Node =")
    commands = [e["detail"]["command"] for e in sim.events(kind="cli-command") if e["node"] == "cucm14-sub2"]
    tail = commands[-4:]
    assert tail == ["set cli pagination off", "show version active", "show network cluster", "utils service list"]


KNOWN_SIG_ALGS = {
    "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-256",
    "rsa-sha2-512", "ssh-rsa", "ssh-dss", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
}


def handshake_log(node):
    """OpenSSH's own debug log of the key exchange (BatchMode: no password, so it stops at authentication)."""
    return subprocess.run(
        ["ssh", "-vvv", "-o", "BatchMode=yes", *SSH_OPTIONS[:-2], "-p", str(node["sshPort"]),
         f"{node['username']}@{node['host']}", "exit"],
        capture_output=True, text=True, timeout=60,
    ).stderr


def test_key_exchange_completes(sim):
    log = handshake_log(sim.publisher)
    assert "SSH2_MSG_NEWKEYS received" in log, log[-1500:]


def test_ident_agrees_with_the_offered_extensions(sim):
    log = handshake_log(sim.publisher)
    version = re.search(r"remote software version OpenSSH_(\d+)\.(\d+)", log)
    assert version, log[-1500:]
    peer = log.split("peer server KEXINIT proposal", 1)[1]
    kex = re.search(r"KEX algorithms: (\S+)", peer).group(1).split(",")
    if (int(version.group(1)), int(version.group(2))) < (9, 6):
        assert "kex-strict-s-v00@openssh.com" not in kex, "strict KEX arrived with OpenSSH 9.6"
    sig_algs = re.search(r"server-sig-algs=<([^>]*)>", log)
    if sig_algs:
        assert set(sig_algs.group(1).split(",")) <= KNOWN_SIG_ALGS, sig_algs.group(1)
