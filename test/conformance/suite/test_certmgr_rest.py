"""
The certificate-management REST API as public clients call it: on port 443, with the platform administrator, and a
trust upload that names the unit, {"service": ["tomcat"], "certificates": [...], "description": ...}
(sieteunoseis/netSSL backend/src/certificate-renewal.ts; simulator/facts/certmgr.ts). Plain requests, as that client
sends them.
"""
import requests

BASE = "/platformcom/api/v1/certmgr/config"


def api(node, path):
    return f"https://{node['host']}:{node['alsoHttpsPort']}{BASE}/{path}"


def test_served_on_443_as_well_as_8443(sim):
    pub = sim.publisher
    assert pub["alsoHttpsPort"] == 443
    auth = (pub["username"], pub["password"])
    on_443 = requests.get(api(pub, "identity/certificate?service=tomcat"), auth=auth, verify=False, timeout=30)
    on_8443 = requests.get(
        f"https://{pub['host']}:{pub['httpsPort']}{BASE}/identity/certificate?service=tomcat",
        auth=auth,
        verify=False,
        timeout=30,
    )
    assert on_443.status_code == 200 and on_8443.status_code == 200
    # The same Tomcat behind both ports: the same certificate.
    assert on_443.json()["certificate"] == on_8443.json()["certificate"]


def test_trust_upload_names_the_unit(sim):
    pub = sim.publisher
    auth = (pub["username"], pub["password"])
    # A certificate to trust: one the node already holds in another store (CallManager-trust).
    held = requests.get(api(pub, "trust/certificate?service=CallManager"), auth=auth, verify=False, timeout=30)
    assert held.status_code == 200
    pem = held.json()["certificate_data"][0]["certificate"]
    log = sim.events()
    since = log[-1]["seq"] if log else 0
    reply = requests.post(
        api(pub, "trust/certificates"),
        json={"service": ["tomcat"], "certificates": [pem], "description": "Trust Certificate"},
        auth=auth,
        verify=False,
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    imported = [e for e in sim.events(kind="trust-imported", since=since) if e["node"] == pub["name"]]
    assert [(e["detail"]["service"], e["detail"]["store"]) for e in imported] == [("tomcat", "tomcat-trust")]
