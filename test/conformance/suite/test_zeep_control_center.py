"""zeep in strict mode with Cisco's ControlCenterServices.wsdl (cisco-wsdl/, unchanged)."""
import os
import time

import pytest
from requests import Session
from zeep import Client, Settings
from zeep.transports import Transport

from conftest import ROOT

WSDL = os.path.join(ROOT, "cisco-wsdl", "ControlCenterServices.wsdl")


def control_center(node):
    session = Session()
    session.verify = False
    session.auth = (node["axlUsername"], node["axlPassword"])
    client = Client(WSDL, settings=Settings(strict=True), transport=Transport(session=session, timeout=30))
    return client.create_service(
        "{http://schemas.cisco.com/ast/soap}ControlCenterServicesBinding",
        f"https://{node['host']}:{node['httpsPort']}/controlcenterservice2/services/ControlCenterServices",
    )


def statuses(service, names=()):
    reply = service.soapGetServiceStatus(ServiceStatus=list(names) or [""])
    return {s.ServiceName: s for s in reply.ServiceInfoList.item}


def test_get_service_status(sim):
    service = control_center(sim.publisher)
    all_services = statuses(service)
    assert all_services["Cisco CallManager"].ServiceStatus == "Started"
    assert all_services["Cisco Tftp"].ServiceStatus == "Started"
    one = statuses(service, ["Cisco Tftp"])
    assert list(one) == ["Cisco Tftp"]
    # The node whose TFTP the lab stopped.
    assert statuses(control_center(sim.node("cucm14-sub2")), ["Cisco Tftp"])["Cisco Tftp"].ServiceStatus == "Stopped"


def test_get_static_service_list(sim):
    reply = control_center(sim.publisher).soapGetStaticServiceList(ServiceInformationResponse="")
    names = [s.ServiceName for s in reply.item]
    assert "Cisco CallManager" in names and "Cisco Tftp" in names


def test_static_service_list_has_groups_and_types(sim):
    reply = control_center(sim.publisher).soapGetStaticServiceList(ServiceInformationResponse="")
    items = reply.item
    assert len(items) > 19
    assert all(s.GroupName for s in items)
    assert {s.ServiceType for s in items} >= {"Service", "Servlet"}


def restart(service, node_name, names):
    reply = service.soapDoControlServices(
        ControlServiceRequest={"NodeName": node_name, "ControlType": "Restart", "ServiceList": {"item": names}}
    )
    return {s.ServiceName: s.ServiceStatus for s in reply.ServiceInfoList.item}


def wait_started(service, names, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        current = statuses(service, names)
        if all(current[n].ServiceStatus == "Started" for n in names):
            return current
        time.sleep(0.5)
    raise AssertionError(f"{names} not Started within {timeout} s")


def test_do_control_services_restart(sim):
    node = sim.node("cucm14-sub1")
    service = control_center(node)
    answer = restart(service, node["name"], ["Cisco Tftp"])
    assert set(answer) == {"Cisco Tftp"}
    wait_started(service, ["Cisco Tftp"])
    assert any(
        e["kind"] == "service-state" and e["node"] == node["name"] and e["detail"].get("service") == "Cisco Tftp"
        for e in sim.events(kind="service-state")
    )


def test_do_control_services_devnet_sample_list(sim):
    """Cisco's DevNet Control Center sample restarts these two."""
    service = control_center(sim.publisher)
    names = ["Cisco CDR Agent", "Cisco DRF Local"]
    answer = restart(service, sim.publisher["name"], names)
    assert set(answer) == set(names)
    wait_started(service, names)
