"""
zeep in its default strict mode with Cisco's PerfmonService.wsdl (cisco-wsdl/, unchanged), called as Cisco's own
sample (perfmonPort_collect_session_data.py) calls a node: a session holding the Cisco CallManager registered-phone
counters of two nodes, collected and closed; perfmonCollectCounterData; and the over-limit fault a client sees once a
node's PerfMon budget (80 requests a minute, as a real node states it) is spent.
"""
import os

import pytest
from requests import Session
from zeep import Client, Settings
from zeep.exceptions import Fault
from zeep.transports import Transport

from conftest import ROOT

WSDL = os.path.join(ROOT, "cisco-wsdl", "PerfmonService.wsdl")
REGISTERED = ("RegisteredHardwarePhones", "RegisteredOtherStationDevices")


def perfmon(node):
    session = Session()
    session.verify = False
    session.auth = (node["axlUsername"], node["axlPassword"])
    client = Client(WSDL, settings=Settings(strict=True), transport=Transport(session=session, timeout=30))
    return client.create_service(
        "{http://schemas.cisco.com/ast/soap}PerfmonBinding",
        f"https://{node['host']}:{node['httpsPort']}/perfmonservice2/services/PerfmonService",
    )


def name_of(item):
    # CounterNameType is simpleContent: zeep gives the text as _value_1 (as Cisco's sample reads it).
    return getattr(item.Name, "_value_1", item.Name)


def counter(host, name):
    return f"\\\\{host}\\Cisco CallManager\\{name}"


def registered_per_node(sim):
    phones = sim.control("GET", f"/clusters/{sim.cluster['id']}/phones?list=all")["list"]
    out = {}
    for p in phones:
        if p["status"] == "Registered":
            out[p["node"]] = out.get(p["node"], 0) + 1
    return out


def test_session_with_counters_of_two_nodes(sim):
    service = perfmon(sim.publisher)
    handle = service.perfmonOpenSession()
    assert handle
    hosts = ["cucm14-pub", "cucm14-sub1"]
    service.perfmonAddCounter(
        SessionHandle=handle,
        ArrayOfCounter={"Counter": [{"Name": counter(h, c)} for h in hosts for c in REGISTERED]},
    )
    values = service.perfmonCollectSessionData(SessionHandle=handle)
    service.perfmonCloseSession(SessionHandle=handle)
    got = {name_of(v): v.Value for v in values}
    assert set(got) == {counter(h, c) for h in hosts for c in REGISTERED}
    assert all(v.CStatus == 1 for v in values)
    expected = registered_per_node(sim)
    for h in hosts:
        assert got[counter(h, "RegisteredHardwarePhones")] == expected.get(h, 0)
        assert got[counter(h, "RegisteredOtherStationDevices")] == 0
    assert sum(got[counter(h, "RegisteredHardwarePhones")] for h in hosts) > 0
    # A closed session is gone.
    with pytest.raises(Fault):
        service.perfmonCollectSessionData(SessionHandle=handle)


def test_collect_counter_data(sim):
    service = perfmon(sim.node("cucm14-sub1"))
    values = service.perfmonCollectCounterData(Host="cucm14-sub1", Object="Cisco CallManager")
    got = {name_of(v): v.Value for v in values}
    assert got[counter("cucm14-sub1", "RegisteredHardwarePhones")] == registered_per_node(sim).get("cucm14-sub1", 0)


def test_unknown_object_is_a_fault(sim):
    service = perfmon(sim.publisher)
    handle = service.perfmonOpenSession()
    with pytest.raises(Fault):
        service.perfmonAddCounter(
            SessionHandle=handle, ArrayOfCounter={"Counter": [{"Name": "\\\\cucm14-pub\\No Such Object\\X"}]}
        )
    service.perfmonCloseSession(SessionHandle=handle)


def test_over_limit_fault(sim):
    """A node's budget spent: the fault a real node sends, counted in the simulator's event log."""
    node = sim.node("cucm14-sub2")
    service = perfmon(node)
    answered = 0
    with pytest.raises(Fault) as err:
        for _ in range(200):
            service.perfmonListCounter(Host="cucm14-sub2")
            answered += 1
    assert "Exceeded allowed rate for Perfmon information" in err.value.message
    assert "80 requests per minute" in err.value.message
    assert answered <= 80
    faults = [e for e in sim.events(kind="perfmon") if e["node"] == "cucm14-sub2" and e["detail"].get("fault")]
    assert faults and faults[-1]["detail"]["fault"] == "RateControl"
