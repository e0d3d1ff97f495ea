"""
ciscoris (community RisPort70 client; pins zeep 3.4 and old requests, hence its own venv). It fetches the WSDL from
the node at https://<host>:8443/realtimeservice2/services/RISService70?wsdl: the port is fixed in the client.
"""
import pytest
from ciscoris import ris


@pytest.fixture(scope="module")
def client(sim):
    pub = sim.publisher
    assert pub["httpsPort"] == 8443, "ciscoris assumes 8443: the suite runs the simulator on the real ports"
    return ris(pub["axlUsername"], pub["axlPassword"], pub["host"], "14.0")


def criteria(**over):
    base = {
        "MaxReturnedDevices": "1000",
        "DeviceClass": "Phone",
        "Model": 255,
        "Status": "Any",
        "NodeName": "",
        "SelectBy": "Name",
        "SelectItems": {"item": [{"Item": "*"}]},
        "Protocol": "Any",
        "DownloadStatus": "Any",
    }
    base.update(over)
    return base


def devices(result):
    out = []
    for node in result["CmNodes"]["item"]:
        if node["ReturnCode"] == "Ok":
            out.extend(node["CmDevices"]["item"])
    return out


def test_get_devices(client):
    result = client.get_devices(**criteria())
    assert result["TotalDevicesFound"] == 1500
    assert len(devices(result)) == 1000


def test_check_registration(client, sim):
    names = [d["Name"] for d in devices(client.get_devices(**criteria(MaxReturnedDevices="20", NodeName="cucm14-sub1")))]
    assert names
    result = client.checkRegistration(names[:5], ["cucm14-sub1"])
    found = devices(result)
    assert sorted(d["Name"] for d in found) == sorted(n for n in names[:5] if n in {d["Name"] for d in found})
    assert len(found) >= 1 and all(d["Status"] == "Registered" for d in found)
