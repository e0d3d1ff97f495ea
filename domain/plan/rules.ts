/**
 * The procedure's rules as data (Cisco TN 214231), shared by the plan builder and the invariant guard so both read
 * the same table. Pure and workflow-safe.
 */
import { atLeast, type CucmVersion } from '../cucm-version';
import type { CertificateUnit } from '../units';
import {
  DEFAULT_CANARY_PHONES,
  type CanaryPhones,
  type PhoneResetMode,
  type PlanCluster,
  type PlanOptions,
  type PlanRequest,
} from './types';

/**
 * Service names as `utils service list` prints them. Duplicated from the simulator's SERVICE on purpose: workflow
 * code may not import the simulator (a unit test checks the two agree).
 */
export const PLAN_SERVICE = {
  tomcat: 'Cisco Tomcat',
  ssoTomcat: 'Cisco SSOSP Tomcat',
  drfMaster: 'Cisco DRF Master',
  drfLocal: 'Cisco DRF Local',
  capf: 'Cisco Certificate Authority Proxy Function',
  tvs: 'Cisco Trust Verification Service',
  tftp: 'Cisco Tftp',
  callManager: 'Cisco CallManager',
  ctiManager: 'Cisco CTIManager',
  haproxy: 'Cisco HAProxy',
} as const;

/**
 * The safe order of a rotation: web and IPsec first (no phone impact), then the units phones trust, ITLRecovery
 * after CallManager (its regen warning asks for the CTL to carry the new CallManager first), TVS always last
 * ("Regenerate this certificate last", TN 214231).
 */
export const PLAN_UNIT_ORDER: readonly CertificateUnit[] = [
  'tomcat',
  'tomcat-ECDSA',
  'ipsec',
  'CAPF',
  'CallManager',
  'CallManager-ECDSA',
  'ITLRecovery',
  'TVS',
];

/** A follow-up restart: the service, and whether it runs on the publisher only or on every node (publisher first). */
export interface FollowUpRestart {
  service: string;
  scope: 'publisher' | 'all';
  why: string;
  /** From this release on only (major, minor). */
  since?: readonly [number, number];
  /** A rule revision: runs started before it keep the plan without it (see PlanOptions). */
  revision?: keyof PlanOptions;
}

const tomcatRestarts: readonly FollowUpRestart[] = [
  { service: PLAN_SERVICE.tomcat, scope: 'all', why: 'Tomcat serves the certificate only after a restart' },
  { service: PLAN_SERVICE.ssoTomcat, scope: 'all', why: 'the SSO/OAuth Tomcat serves the same certificate' },
];

const tvsTftp: readonly FollowUpRestart[] = [
  { service: PLAN_SERVICE.tvs, scope: 'all', why: 'TVS must answer phones with the new trust list' },
  { service: PLAN_SERVICE.tftp, scope: 'all', why: 'TFTP rebuilds and serves the ITL/CTL files phones download' },
];

const callManagerRestarts: readonly FollowUpRestart[] = [
  { service: PLAN_SERVICE.callManager, scope: 'all', why: 'call control presents the CallManager certificate' },
  { service: PLAN_SERVICE.ctiManager, scope: 'all', why: 'CTI presents the CallManager certificate' },
  ...tvsTftp,
  {
    service: PLAN_SERVICE.haproxy,
    scope: 'all',
    why: 'HAProxy (15+) fronts services with the CallManager certificate',
  },
];

/**
 * Restarts after each unit, in order; each service publisher first, then the subscribers, only where Started
 * ("You are only required to restart services if the services are running on the server"). A service a node does
 * not run at all (SSO Tomcat without SSO, HAProxy before 15, CallManager on IM&P) is simply not there.
 */
export const FOLLOW_UP_RESTARTS: Readonly<Record<CertificateUnit, readonly FollowUpRestart[]>> = {
  tomcat: tomcatRestarts,
  'tomcat-ECDSA': tomcatRestarts,
  ipsec: [
    { service: PLAN_SERVICE.drfMaster, scope: 'publisher', why: 'DRF Master uses the ipsec certificate' },
    { service: PLAN_SERVICE.drfLocal, scope: 'all', why: 'DRF Local talks to DRF Master over the ipsec trust' },
    {
      // TN 214231 rev 7.0, written for 15.0+: "then utils service restart Cisco Tomcat on each node" (reference 1.2).
      service: PLAN_SERVICE.tomcat,
      scope: 'all',
      why: 'TN 214231 (15.0+) restarts Tomcat on every node after ipsec',
      since: [15, 0],
      revision: 'ipsecTomcatRestart',
    },
  ],
  CAPF: [
    { service: PLAN_SERVICE.capf, scope: 'publisher', why: 'CAPF signs phone LSCs with the CAPF certificate' },
    ...tvsTftp,
  ],
  CallManager: callManagerRestarts,
  'CallManager-ECDSA': callManagerRestarts,
  ITLRecovery: tvsTftp,
  TVS: tvsTftp,
};

/** The follow-up restarts of `unit` on this release, under the rule revisions the run follows. */
export function followUpRestarts(
  unit: CertificateUnit,
  v: CucmVersion,
  options: PlanOptions = {},
): readonly FollowUpRestart[] {
  return FOLLOW_UP_RESTARTS[unit].filter(
    (f) => (!f.since || atLeast(v, f.since[0], f.since[1])) && (!f.revision || (options[f.revision] ?? true)),
  );
}

/** Units whose change reaches the phones' ITL/CTL: phones must be reset and re-register before the next unit. */
export const PHONE_AFFECTING_UNITS: ReadonlySet<CertificateUnit> = new Set<CertificateUnit>([
  'CAPF',
  'CallManager',
  'CallManager-ECDSA',
  'ITLRecovery',
  'TVS',
]);

export const CALLMANAGER_UNITS: ReadonlySet<CertificateUnit> = new Set<CertificateUnit>([
  'CallManager',
  'CallManager-ECDSA',
]);

/**
 * `utils ctl update CTLFile` on the publisher: in mixed mode for the units the CTL lists or is signed by (CAPF,
 * CallManager, ITLRecovery); for CallManager also when the CTL is used for 802.1X.
 */
export function needsCtlUpdate(cluster: PlanCluster, request: PlanRequest, unit: CertificateUnit): boolean {
  const mixed = cluster.securityMode === 1;
  if (CALLMANAGER_UNITS.has(unit)) return mixed || request.ctlUsedFor8021x === true;
  return mixed && (unit === 'CAPF' || unit === 'ITLRecovery');
}

/**
 * Resetting only encrypted/authenticated phones is enough only where just the CTL changes. Conservative: only a
 * CAPF change in mixed mode qualifies; every other phone-affecting unit changes the ITL that all phones hold.
 */
export function secureOnlyResetAllowed(cluster: PlanCluster, unit: CertificateUnit): boolean {
  return cluster.securityMode === 1 && unit === 'CAPF';
}

export function phoneResetModeOf(request: PlanRequest): PhoneResetMode {
  return request.phoneReset ?? 'all';
}

/** The canary stage a request asks for (the default when it says nothing), or undefined when it is off. */
export function canaryPhonesOf(
  request: PlanRequest,
): (Required<Omit<CanaryPhones, 'deadlineMinutes'>> & Pick<CanaryPhones, 'deadlineMinutes'>) | undefined {
  const c = request.canaryPhones;
  if (c === false) return undefined;
  if (c === undefined) return { ...DEFAULT_CANARY_PHONES };
  if (!(c.perNodeModel > 0)) return undefined;
  return {
    perNodeModel: c.perNodeModel,
    max: c.max ?? DEFAULT_CANARY_PHONES.max,
    ...(c.deadlineMinutes !== undefined ? { deadlineMinutes: c.deadlineMinutes } : {}),
  };
}

/** What is wrong with a canaryPhones option (the API's schema says the same), or undefined. */
export function canaryPhonesProblem(value: unknown): string | undefined {
  if (value === undefined || value === false) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'canaryPhones must be false or {"perNodeModel": 0..20, "max": 1..500, "deadlineMinutes": 1..1440}.';
  const { perNodeModel, max, deadlineMinutes, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length)
    return `canaryPhones has unknown field(s) ${extra.join(', ')}: use perNodeModel, max, deadlineMinutes.`;
  if (!Number.isInteger(perNodeModel) || (perNodeModel as number) < 0 || (perNodeModel as number) > 20)
    return `canaryPhones.perNodeModel must be a whole number from 0 (off) to 20, not ${JSON.stringify(perNodeModel)}.`;
  if (max !== undefined && (!Number.isInteger(max) || (max as number) < 1 || (max as number) > 500))
    return `canaryPhones.max must be a whole number from 1 to 500, not ${JSON.stringify(max)}.`;
  if (
    deadlineMinutes !== undefined &&
    (typeof deadlineMinutes !== 'number' || !(deadlineMinutes > 0) || deadlineMinutes > 1440)
  )
    return `canaryPhones.deadlineMinutes must be a number of minutes above 0 and at most 1440, not ${JSON.stringify(deadlineMinutes)}.`;
  return undefined;
}

/** The units whose new certificates a Unified CCX node must trust (TN 214231, tomcat section, step 5). */
export const UCCX_TRUST_UNITS: ReadonlySet<CertificateUnit> = new Set<CertificateUnit>(['tomcat', 'tomcat-ECDSA']);

/**
 * What a UCCX node restarts after its tomcat-trust changed, in this order: the services that call CUCM over HTTPS
 * and read tomcat-trust when they start (TN 118855 names UCCX Platform Tomcat, Cisco Finesse Tomcat and the UCCX
 * Notification Service among the components that use certificates; the exact restart list is marked partly a
 * guess in docs/uccx.md). Cisco Finesse Tomcat last: its restart signs the agents out of their desktops.
 */
export const UCCX_TRUST_RESTARTS: readonly string[] = [
  'Cisco Tomcat',
  'Cisco Unified CCX Notification Service',
  'Cisco Finesse Tomcat',
];
