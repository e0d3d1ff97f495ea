"""
ciscoaxl (its own bundled AXL schemas, 11.5 and 12.5) against the 14.0 publisher: Cisco's AXL versioning keeps the
schemas of the previous two major releases available on a node.
"""
import pytest
from ciscoaxl import axl
from zeep.exceptions import Fault

VERSIONS = ["11.5", "12.5"]


@pytest.fixture(scope="module", params=VERSIONS)
def ucm(request, sim):
    pub = sim.publisher
    return axl(pub["axlUsername"], pub["axlPassword"], pub["host"], request.param, cucm_port=pub["httpsPort"])


def test_get_ccm_version(ucm, sim):
    reply = ucm.client.getCCMVersion()
    assert reply["return"]["componentVersion"]["version"] == sim.cluster["version"]


def test_list_phone_pages(ucm):
    phones = ucm.get_phones()  # ciscoaxl pages with first=1000 and skip until an empty return
    names = [p["name"] for p in phones]
    assert len(names) == 1500 and len(set(names)) == 1500


def test_execute_sql_query(ucm):
    rows = ucm.run_sql_query("select name, tknodeusage from processnode where systemnode = 'f'")
    assert rows["num_rows"] == 3
    assert sorted(r["tknodeusage"] for r in rows["rows"]) == ["0", "1", "1"]


def test_execute_sql_query_join(ucm):
    """The joined query common scripts send: device with its model name from typemodel."""
    rows = ucm.run_sql_query(
        "select d.name, d.description, t.name as model from device d inner join typemodel t on d.tkmodel = t.enum "
        "where d.name like 'SEP00A0C90000%'"
    )
    assert rows["num_rows"] == 256, getattr(ucm, "last_exception", None)
    assert {r["model"] for r in rows["rows"]} <= {"Cisco 8845", "Cisco 7811", "Cisco 8865", "Cisco 7821"}
    same = ucm.run_sql_query(
        "select count(*) from device as d, typemodel as t where d.tkmodel = t.enum and d.name like 'SEP00A0C90000%'"
    )
    assert same["rows"][0]["count"] == "256"


def test_do_device_reset(ucm, sim):
    name = ucm.get_phones()[0]["name"]
    since = len(sim.events())
    reply = ucm.do_device_reset(name=name)  # isHardReset=True
    assert not isinstance(reply, Fault), reply
    resets = [e for e in sim.events()[since:] if e["kind"] == "phone-reset"]
    assert resets, "the simulator's event log shows the reset"


@pytest.mark.parametrize("value", ["t", "1", "f", "0", "true", "false"])
def test_axl_booleans(ucm, value):
    """AXL's boolean: the pattern (t)|(f)|(true)|(false)|(0)|(1)."""
    name = ucm.get_phones()[1]["name"]
    reply = ucm.client.doDeviceReset(deviceName=name, isHardReset=value)
    assert reply["return"]


def test_unsupported_version_is_refused_with_5003(sim):
    pub = sim.publisher
    old = axl(pub["axlUsername"], pub["axlPassword"], pub["host"], "10.5", cucm_port=pub["httpsPort"])
    with pytest.raises(Fault) as err:
        old.client.getCCMVersion()
    assert err.value.detail.find(".//axlcode").text == "5003"
