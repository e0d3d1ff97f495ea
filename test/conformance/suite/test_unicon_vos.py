"""
unicon.plugins `vos` (Cisco's own CLI automation for VOS platforms, os='vos') against the publisher: connect, every
command the product sends over the CLI (activities/), `set cert regen` answered through a Dialog, and the pager.
"""
import re

import pytest
from unicon import Connection
from unicon.eal.dialogs import Dialog, Statement

from ssh_options import SSH_OPTIONS



def connect(sim, node, init_exec_commands=None):
    conn = Connection(
        hostname=node["name"],
        start=[f"ssh {' '.join(SSH_OPTIONS)} -p {node['sshPort']} {node['username']}@{node['host']}"],
        os="vos",
        credentials={"default": {"username": node["username"], "password": node["password"]}},
        log_stdout=False,
        learn_hostname=False,
        connection_timeout=60,
        **({} if init_exec_commands is None else {"init_exec_commands": init_exec_commands}),
    )
    conn.connect()
    return conn


@pytest.fixture(scope="module")
def pub(sim):
    conn = connect(sim, sim.publisher)
    yield conn
    conn.disconnect()


def test_connect_runs_set_cli_pagination_off(sim, pub):
    # unicon's vos settings send `set cli pagination off` at connect; the simulator logged it as a CLI command.
    commands = [e["detail"]["command"] for e in sim.events(kind="cli-command")]
    assert "set cli pagination off" in commands


# The commands the product sends (grep "run(" activities/), with what their output must contain.
READ_COMMANDS = [
    ("show version active", r"Active Master Version: 14\.0\.1\.13900-155"),
    ("show network cluster", r"cucm14-sub2"),
    ("show cert list own", r"tomcat/tomcat\.pem"),
    ("show cert list trust", r"-trust/"),
    ("show cert own tomcat", r"Serial Number: [0-9a-fA-F]+"),
    ("utils service list", r"Cisco Tomcat\[STARTED\]"),
    ("utils dbreplication runtimestate", r"Setup Completed"),
    ("show ctl", r"CCM\+TFTP|CAPF|SERIALNUMBER"),
    ("show itl", r"SERIALNUMBER"),
    ("run sql select paramname,paramvalue from processconfig where paramname='ClusterSecurityMode'", r"ClusterSecurityMode\s+1"),
]


@pytest.mark.parametrize("command,expected", READ_COMMANDS, ids=[c for c, _ in READ_COMMANDS])
def test_read_commands(pub, command, expected):
    out = pub.execute(command, timeout=120)
    assert re.search(expected, out), out[-500:]


def test_show_cert_trust_and_csr(pub):
    trust = pub.execute("show cert list trust")
    first = re.search(r"^(\S+-trust)/(\S+): ", trust, re.M)
    assert first
    store, file = first.groups()
    out = pub.execute(f"show cert trust {store}/{file}")
    assert "Serial Number:" in out
    assert "Successfully Generated CSR for tomcat" in pub.execute("set csr gen tomcat", timeout=120)
    assert "BEGIN CERTIFICATE REQUEST" in pub.execute("show csr own tomcat")


def test_set_cert_regen_with_dialog(sim, pub):
    before = re.search(r"Serial Number: (\S+)", pub.execute("show cert own ipsec")).group(1)
    dialog = Dialog([Statement(pattern=r"Proceed with regeneration \(yes\|no\)\?", action="sendline(yes)", loop_continue=True)])
    out = pub.execute("set cert regen ipsec", reply=dialog, timeout=300)
    assert "Successfully Regenerated Certificate for ipsec" in out
    after = re.search(r"Serial Number: (\S+)", pub.execute("show cert own ipsec")).group(1)
    assert after != before


def test_service_restart(pub):
    out = pub.execute("utils service restart Cisco Certificate Change Notification", timeout=300)
    assert "[STARTED]" in out or "[Started]" in out.title(), out[-300:]


def test_utils_ctl_update(pub):
    dialog = Dialog([Statement(pattern=r"\(y/n\):", action="sendline(y)", loop_continue=True)])
    out = pub.execute("utils ctl update CTLFile", reply=dialog, timeout=300)
    assert "CTL file Updated" in out


def test_pager(sim):
    """With pagination on (no init commands), unicon's vos pager statement pages through a long output."""
    conn = connect(sim, sim.node("cucm14-sub1"), init_exec_commands=[])
    try:
        out = conn.execute("show cert list trust", timeout=120)
        lines = [l for l in out.splitlines() if ": Trust Certificate" in l]
        assert len(lines) > 20, "the output is longer than one page"
        assert "Press <enter>" not in out
    finally:
        conn.disconnect()


def test_show_itl_real_layout(pub):
    out = pub.execute("show itl")
    assert re.search(r"^\s*3\s+SIGNERID", out, re.M)
    assert "This etoken was used to sign the ITL file." in out
    assert not re.search(r"0{20,}\d\(MD5\)", out)


def test_show_ctl_real_layout(pub):
    out = pub.execute("show ctl")
    assert re.search(r"^\s*3\s+SIGNERID", out, re.M)
    assert "This etoken was used to sign the CTL file." in out
