"""
zeep in its default strict mode with Cisco's RISService70.wsdl (cisco-wsdl/, unchanged): the replies must be valid
against the schema, StateInfo pages to the end, and the rate-limit fault comes as a SOAP fault.
"""
import html
import os
import re
import xml.etree.ElementTree as ET

import pytest
from requests import Session
from zeep import Client, Settings
from zeep.exceptions import Fault
from zeep.transports import Transport

from conftest import ROOT

WSDL = os.path.join(ROOT, "cisco-wsdl", "RISService70.wsdl")
PAGE = 500  # 1500 phones: three pages


def risport(sim, node, client=None):
    if client is None:
        client = risport_client(node)
    return client.create_service(
        "{http://schemas.cisco.com/ast/soap}RisBinding",
        f"https://{node['host']}:{node['httpsPort']}/realtimeservice2/services/RISService70",
    )


def risport_client(node):
    session = Session()
    session.verify = False
    session.auth = (node["axlUsername"], node["axlPassword"])
    return Client(WSDL, settings=Settings(strict=True), transport=Transport(session=session, timeout=30))


def criteria(max_devices=PAGE, items=("*",), status="Any", node_name=""):
    return {
        "MaxReturnedDevices": max_devices,
        "DeviceClass": "Phone",
        "Model": 255,
        "Status": status,
        "NodeName": node_name,
        "SelectBy": "Name",
        "SelectItems": {"item": [{"Item": i} for i in items]},
        "Protocol": "Any",
        "DownloadStatus": "Any",
    }


def devices_of(result):
    out = []
    for node in (result.CmNodes.item if result.CmNodes else []):
        if node.ReturnCode == "Ok" and node.CmDevices:
            out.extend(node.CmDevices.item)
    return out


@pytest.mark.parametrize("operation", ["selectCmDeviceExt", "selectCmDevice"])
def test_state_info_pages_to_the_end(sim, operation):
    service = risport(sim, sim.node("cucm14-sub1"))
    state_info, names, pages, infos = "", [], 0, []
    while True:
        reply = getattr(service, operation)(StateInfo=state_info, CmSelectionCriteria=criteria())
        pages += 1
        assert reply.SelectCmDeviceResult.TotalDevicesFound == 1500
        names.extend(d.Name for d in devices_of(reply.SelectCmDeviceResult))
        if not reply.StateInfo:
            break
        infos.append(reply.StateInfo)
        state_info = reply.StateInfo
        assert pages < 10
    assert pages == 3
    assert len(names) == 1500 and len(set(names)) == 1500
    # StateInfo as real nodes send it: an XML document (escaped in the SOAP body, plain text once parsed).
    doc = ET.fromstring(infos[0])
    assert doc.tag == "StateInfo"
    nodes = doc.findall("Node")
    assert {n.get("Name") for n in nodes} == {"cucm14-pub", "cucm14-sub1", "cucm14-sub2"}
    for n in nodes:
        assert set(n.attrib) == {"Name", "SubsystemStartTime", "StateId", "TotalItemsFound", "TotalItemsReturned"}
    assert sum(int(n.get("TotalItemsReturned")) for n in nodes) == PAGE
    assert sum(int(n.get("TotalItemsFound")) for n in nodes) == 1500


def test_state_info_is_escaped_xml_on_the_wire(sim):
    """The raw reply, as a packet capture shows it: `&lt;StateInfo&gt;&lt;Node Name=&quot;...`."""
    node = sim.node("cucm14-pub")
    client = risport_client(node)
    service = risport(sim, node, client)
    with client.settings(raw_response=True):
        raw = service.selectCmDeviceExt(StateInfo="", CmSelectionCriteria=criteria())
    text = raw.content.decode()
    m = re.search(r"<StateInfo>(.*?)</StateInfo>", text)
    assert m and m.group(1).startswith("&lt;StateInfo&gt;&lt;Node Name=&quot;")
    assert ET.fromstring(html.unescape(m.group(1))).tag == "StateInfo"


def test_every_cm_device_element_present_and_valid(sim):
    """Strict zeep parsed it: the nillable-but-required elements are there (as xsi:nil where they have no value)."""
    service = risport(sim, sim.publisher)
    reply = service.selectCmDeviceExt(StateInfo="", CmSelectionCriteria=criteria(max_devices=5))
    devices = devices_of(reply.SelectCmDeviceResult)
    assert len(devices) == 5
    for d in devices:
        for name in ("H323Trunk", "InactiveLoadID", "DownloadFailureReason", "LoginUserId"):
            assert name in d  # present (None when xsi:nil)
        assert d.DeviceClass == "Phone" and d.Status in ("Registered", "UnRegistered", "Rejected")
        assert d.IPAddress.item[0].IPAddrType == "ipv4"


def test_node_name_and_exact_names(sim):
    service = risport(sim, sim.publisher)
    first = devices_of(service.selectCmDevice(StateInfo="", CmSelectionCriteria=criteria(max_devices=3)).SelectCmDeviceResult)
    names = [d.Name for d in first]
    reply = service.selectCmDeviceExt(StateInfo="", CmSelectionCriteria=criteria(items=names, node_name="cucm14-pub"))
    found = devices_of(reply.SelectCmDeviceResult)
    assert sorted(d.Name for d in found) == sorted(n for n in names if n in {d.Name for d in found})
    assert all(node.Name == "cucm14-pub" for node in reply.SelectCmDeviceResult.CmNodes.item)


def test_rate_limit_fault(sim):
    sim.fault({"kind": "risport-over-limit", "count": 1})
    service = risport(sim, sim.publisher)
    with pytest.raises(Fault) as err:
        service.selectCmDeviceExt(StateInfo="", CmSelectionCriteria=criteria(max_devices=1))
    assert "Exceeded allowed rate for Reatime information" in err.value.message
    # The next request is answered again.
    assert service.selectCmDeviceExt(StateInfo="", CmSelectionCriteria=criteria(max_devices=1)).SelectCmDeviceResult
