/**
 * The phones as RisPort70 and a reset show them: the type-model codes RisPort70 reports, and the timing of a reset
 * (how long a phone stays registered after AXL's doDeviceReset returns, and how long it takes to come back). Each
 * row cites its public source or says `guess`.
 */

export interface PhoneModelFact {
  /** RisPort70's `Model` (and AXL's typemodel enum). */
  model: number;
  product: string;
  source: string;
}

const TYPEMODEL =
  "Cisco's typemodel table (CUCM Data Dictionary) as public RisPort70 clients ship it, e.g. the model list of the cisco-risport npm package (https://github.com/sieteunoseis/cisco-risport), ref §7";

/** The models the simulated fleet uses, round robin. */
export const PHONE_MODEL_FACTS: readonly PhoneModelFact[] = [
  { model: 36224, product: 'Cisco 8845', source: TYPEMODEL },
  { model: 36213, product: 'Cisco 7811', source: TYPEMODEL },
  { model: 36225, product: 'Cisco 8865', source: TYPEMODEL },
  { model: 621, product: 'Cisco 7821', source: TYPEMODEL },
];

export interface PhoneTimingFact {
  what: 'drop after reset' | 're-register after drop' | 'fall back to the primary';
  /** Real-world milliseconds [min, max]; the simulator scales them by its time scale. */
  defaultMs: readonly [number, number];
  source: string;
}

/** How long a reset phone stays registered before it drops (real ms; see the row below). */
export const PHONE_DROP_DELAY_MS: readonly [number, number] = [1000, 5000];
/** How long a dropped phone takes to register again (real ms; see the row below). */
export const PHONE_REGISTER_DELAY_MS: readonly [number, number] = [5000, 40000];

/** How long a phone on a backup takes to fall back to its primary once it runs again (real ms; see the row below). */
export const PHONE_FALLBACK_DELAY_MS: readonly [number, number] = [10000, 30000];
// The three figures are the rows of PHONE_TIMING_FACTS below.
export const PHONE_DROP_DELAY_MS_SOURCE = 'guess: PHONE_TIMING_FACTS, drop after reset';
export const PHONE_REGISTER_DELAY_MS_SOURCE = 'guess: PHONE_TIMING_FACTS, re-register after drop';
export const PHONE_FALLBACK_DELAY_MS_SOURCE = 'guess: PHONE_TIMING_FACTS, fall back to the primary';

export const PHONE_TIMING_FACTS: readonly PhoneTimingFact[] = [
  {
    what: 'drop after reset',
    defaultMs: PHONE_DROP_DELAY_MS,
    source:
      'guess for the figures; the fact that a phone leaves registration only some time after doDeviceReset returns (it must receive the reset and reboot) follows from AXL doDeviceReset only queuing the reset (AXL API reference, doDeviceReset) and from RisPort70 TimeStamp being the time of the last status change (RisPort70 API reference, CmDevice)',
  },
  {
    what: 're-register after drop',
    defaultMs: PHONE_REGISTER_DELAY_MS,
    source: 'guess: a phone reboots, fetches its configuration and ITL/CTL over TFTP, then registers',
  },
  {
    what: 'fall back to the primary',
    defaultMs: PHONE_FALLBACK_DELAY_MS,
    source:
      'guess for the figures; that devices "reregister with" the primary when it "comes back into service" (not at once, and while still registered with the backup) follows the Cisco Unified Communications Manager System Guide, "Cisco Unified Communications Manager groups" (fallback)',
  },
];

export interface RisPortFact {
  fact: string;
  source: string;
}

/** RisPort70's behaviour the simulator follows (https/risport.ts). */
export const RISPORT_FACTS: readonly RisPortFact[] = [
  {
    fact: 'over the rate limit: HTTP 500, faultcode ns1:Server.RateControl, faultstring "AxisFault: Exceeded allowed rate for Reatime information. Current allowed rate for realtime information is <n> requests per minute."',
    source:
      'ref §7: Imagicle knowledge base, "Exceeded allowed rate for Reatime information" (captured fault); public PHP and Splunk RisPort70 clients that test for ns1:Server.RateControl',
  },
  {
    fact: 'at most 1000 devices per reply; StateInfo sent back continues after the devices already returned',
    source: 'Cisco DevNet RisPort70 overview: "The limit on devices in a query response is 1000"',
  },
  {
    fact: 'paging ends with an empty StateInfo (variant "empty-state-info")',
    source:
      'ref §3.3: a real empty selectCmDevice reply quoted in a public Splunk add-on (<ns1:StateInfo></ns1:StateInfo>); clients loop until StateInfo comes back empty',
  },
  {
    fact: 'paging ends with NoChange nodes and the StateInfo sent, repeated (variant "no-change")',
    source:
      'RISService70.wsdl (CmNode.NoChange); cisco-risport selectCmDevicePaginated stops when "!result.stateInfo || result.stateInfo === currentStateInfo" (github.com/sieteunoseis/cisco-risport); which ending real nodes send is not published: both are modelled',
  },
];
