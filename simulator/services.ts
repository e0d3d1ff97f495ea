/**
 * Which services a node runs, by role, product and version, as `utils service list` shows them, and how long a
 * restart takes on a real node (scaled by the simulator's time scale).
 */
import { atLeast, type CucmVersion, type NodeProduct } from '../workflows/cucm-version';

export type ServiceState = 'STARTED' | 'STOPPED' | 'STARTING' | 'STOPPING';

export interface ServiceSetting {
  state: ServiceState;
  reason?: string;
}

export const SERVICE = {
  tomcat: 'Cisco Tomcat',
  callManager: 'Cisco CallManager',
  ctiManager: 'Cisco CTIManager',
  tftp: 'Cisco Tftp',
  tvs: 'Cisco Trust Verification Service',
  capf: 'Cisco Certificate Authority Proxy Function',
  drfMaster: 'Cisco DRF Master',
  drfLocal: 'Cisco DRF Local',
  ccn: 'Cisco Certificate Change Notification',
  ctlProvider: 'Cisco CTL Provider',
  haproxy: 'Cisco HAProxy',
  db: 'A Cisco DB',
} as const;

const started: ServiceSetting = { state: 'STARTED' };
const notActivated: ServiceSetting = { state: 'STOPPED', reason: 'Service Not Activated' };

/** Defaults; a node's config can override any of them (e.g. TFTP not activated on a subscriber). */
export function defaultServices(
  v: CucmVersion,
  role: 'publisher' | 'subscriber',
  product: NodeProduct,
  callProcessing: boolean,
): Record<string, ServiceSetting> {
  const services: Record<string, ServiceSetting> = {
    [SERVICE.db]: started,
    [SERVICE.tomcat]: started,
    'Cisco Tomcat Stats Servlet': started,
    [SERVICE.ccn]: started,
    'Cisco Certificate Expiry Monitor': started,
    [SERVICE.drfLocal]: started,
    'Cisco RIS Data Collector': started,
    'Cisco AXL Web Service': product === 'callmanager' ? started : notActivated,
    'Platform Administrative Web Service': started,
    'Platform Communication Web Service': started,
    'System NTP': started,
    'System SSH': started,
  };
  if (role === 'publisher') services[SERVICE.drfMaster] = started;
  if (product === 'cups') {
    services['Cisco XCP Router'] = started;
    services['Cisco Presence Engine'] = started;
    return services;
  }
  const cp = callProcessing ? started : notActivated;
  services[SERVICE.callManager] = cp;
  services[SERVICE.ctiManager] = cp;
  services[SERVICE.tftp] = cp;
  services[SERVICE.tvs] = cp;
  services[SERVICE.capf] = role === 'publisher' ? started : notActivated;
  services[SERVICE.ctlProvider] = started;
  if (atLeast(v, 15)) services[SERVICE.haproxy] = started;
  return services;
}

/** Services that cannot be stopped through Control Center Services (reference section 2.4). */
export const NON_STOPPABLE = new Set<string>([SERVICE.tomcat, SERVICE.db]);

/** Real-ish restart durations in ms: [stopping, starting]. */
export function restartDurations(service: string): [number, number] {
  switch (service) {
    case SERVICE.tomcat:
      return [4000, 12000];
    case SERVICE.callManager:
      return [5000, 20000];
    case SERVICE.tftp:
    case SERVICE.tvs:
      return [3000, 8000];
    default:
      return [2000, 5000];
  }
}
