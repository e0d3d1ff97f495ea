/**
 * Which services a node runs, by role, product and version, as `utils service list` shows them (from the service
 * table in facts/services.ts), and how long a restart takes on a real node (scaled by the simulator's time scale).
 */
import { SERVICE_TABLE, servicesOnNode, type NodeProduct, type VersionLike } from './facts';

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

/** Defaults; a node's config can override any of them (e.g. TFTP not activated on a subscriber). */
export function defaultServices(
  v: VersionLike,
  role: 'publisher' | 'subscriber',
  product: NodeProduct,
  callProcessing: boolean,
): Record<string, ServiceSetting> {
  const services: Record<string, ServiceSetting> = {};
  for (const { row, state } of servicesOnNode(v, role, product, callProcessing))
    services[row.name] =
      state === 'started' ? { state: 'STARTED' } : { state: 'STOPPED', reason: 'Service Not Activated' };
  return services;
}

/** Services that cannot be stopped through Control Center Services (reference section 2.4). */
export const NON_STOPPABLE = new Set<string>(SERVICE_TABLE.filter((r) => r.notControllable).map((r) => r.name));

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
