/**
 * PerfMon (PerfmonService, Cisco's PerfmonService.wsdl in cisco-wsdl/): what the simulator serves and how, each
 * fact with its public source or marked `guess`. The product watches phone registration with the `Cisco CallManager`
 * object's registered-phone counters (what RTMT's Device Summary shows per node) and spends RisPort70 only to
 * confirm identities.
 */

export interface PerfmonFact {
  fact: string;
  source: string;
}

const API_REFERENCE =
  'Cisco, Serviceability XML Developer Guide, PerfMon API (https://developer.cisco.com/docs/sxml/perfmon-api)';
const WSDL =
  "Cisco's PerfmonService.wsdl (cisco-wsdl/PerfmonService.wsdl, from CiscoDevNet/serviceability-python-zeep-samples)";
const CISCO_SAMPLE =
  "Cisco's perfmonPort_collect_session_data.py (https://github.com/CiscoDevNet/serviceability-python-zeep-samples)";
const CISCO_PERFMON_NPM =
  'the README of the cisco-perfmon npm package (https://www.npmjs.com/package/cisco-perfmon), quoting a real node';
const COUNTERS_GUIDE =
  'Cisco Unified Real-Time Monitoring Tool Administration Guide, appendix "Performance objects and counters", object Cisco CallManager (e.g. https://www.cisco.com/en/US/docs/voice_ip_comm/cucm/service/4_2_1/ccmsrvs/ssappdxc.html for 4.2; the object and its registered-device counters are carried in every later release\'s guide)';

/** The path on each node's HTTPS port (8443). */
export const PERFMON_PATH = '/perfmonservice2/services/PerfmonService';

/** The object whose counters count registered devices per node. */
export const CALLMANAGER_OBJECT = 'Cisco CallManager';

/**
 * The `Cisco CallManager` counters that count registered phones on the node that serves the counter. The simulated
 * fleet is hardware phones only: RegisteredOtherStationDevices stays 0.
 */
export const REGISTERED_PHONE_COUNTERS = ['RegisteredHardwarePhones', 'RegisteredOtherStationDevices'] as const;
export const REGISTERED_PHONE_COUNTERS_SOURCE = COUNTERS_GUIDE;

/** The node's PerfMon budget (requests per minute) a real node states in its over-limit fault. */
export const PERFMON_REQUESTS_PER_MINUTE = 80;
export const PERFMON_REQUESTS_PER_MINUTE_SOURCE = CISCO_PERFMON_NPM;

/** CStatus of a value that is valid (what public clients show for a live node's counters). */
export const CSTATUS_VALID = 1;

export function perfmonOverLimitText(limit: number): string {
  return `Exceeded allowed rate for Perfmon information. Current allowed rate for perfmon information is ${limit} requests per minute.PerfmonService`;
}

export const PERFMON_FACTS: readonly PerfmonFact[] = [
  { fact: `endpoint https://<node>:8443${PERFMON_PATH}`, source: API_REFERENCE },
  {
    fact: 'operations: perfmonOpenSession, perfmonAddCounter, perfmonRemoveCounter, perfmonCollectSessionData, perfmonCloseSession, perfmonCollectCounterData, perfmonListCounter, perfmonListInstance, perfmonQueryCounterDescription; document/literal, SOAPAction = the operation name',
    source: WSDL,
  },
  {
    fact: 'perfmonOpenSession takes no parameters and returns a session handle, reused by perfmonAddCounter, perfmonCollectSessionData and perfmonCloseSession',
    source: API_REFERENCE,
  },
  {
    fact: 'perfmonCollectCounterData(Host, Object) returns every counter of every instance of the object on that host, without a session',
    source: API_REFERENCE,
  },
  {
    fact: 'a counter is named \\\\host\\Object\\Counter (\\\\host\\Object(instance)\\Counter for a multi-instance object); each returned value carries Name, Value (long) and CStatus',
    source: `${CISCO_SAMPLE}; ${WSDL}`,
  },
  { fact: 'a valid value comes with CStatus 1', source: CISCO_PERFMON_NPM },
  {
    fact: 'the Cisco CallManager object counts the devices registered with the node: RegisteredHardwarePhones (Cisco hardware IP phones), RegisteredOtherStationDevices (other station devices), among others (RegisteredMGCPGateways, ...)',
    source: COUNTERS_GUIDE,
  },
  {
    fact: 'the Cisco CallManager object exists only on a node where the Cisco CallManager service is activated (not on an IM and Presence node, nor on a TFTP-only node); perfmonAddCounter naming it elsewhere is answered with a fault',
    source: 'guess: the object is published by the ccm process; the fault for an unknown counter is not documented',
  },
  {
    fact: 'a node whose Cisco CallManager service is activated but stopped reports the counters as 0',
    source: 'guess: no device is registered with a stopped CallManager',
  },
  {
    fact: 'one session may hold counters of several nodes of the cluster (the host is part of each counter name)',
    source: `guess, from the counter naming (${WSDL}); the simulator accepts the cluster's nodes`,
  },
  {
    fact: `over its budget a node answers ns1:Server.RateControl "${perfmonOverLimitText(PERFMON_REQUESTS_PER_MINUTE)}"; 80 per minute is the default a real node states`,
    source: CISCO_PERFMON_NPM,
  },
  {
    fact: "the budget's service parameter is not public; public clients point at Enterprise Parameters > Rate Control; the simulator counts each node's PerfMon requests apart from RisPort70's budget, in fixed one-minute windows",
    source:
      "guess (RisPort70 counts cluster-wide in its own budget; PerfMon is not in it, per issue 20's reading of the API reference)",
  },
  {
    fact: 'a session handle not closed stays valid while the node runs; an unknown handle is answered with a fault',
    source: 'guess: session lifetime and the number of sessions per node are not documented',
  },
];
