/**
 * The simulated cluster as CUCM shows it over the network: nodes with certificates and services, and an ordered
 * event log of every operation received, which tests and demos read to check what happened and in which order.
 */
import type { CertificateUnit } from '../workflows/units';
import { createSelfSignedCertificate, type SimCertificate } from './certificates';

export type ServiceState = 'STARTED' | 'STOPPED' | 'STARTING' | 'STOPPING';

export interface SimService {
  name: string;
  state: ServiceState;
  /** Printed after the state, e.g. "Service Not Activated". */
  reason?: string;
}

export interface SimEvent {
  seq: number;
  at: string;
  node: string;
  /** The SSH user, or "system" for internal transitions. */
  actor: string;
  kind: 'ssh-login' | 'ssh-login-failed' | 'cli-command' | 'cert-regenerated' | 'service-state';
  detail: Record<string, string>;
}

export interface NodeConfig {
  name: string;
  role: 'publisher' | 'subscriber';
  /** Services as `utils service list` shows them; missing ones default to the call-processing set. */
  services?: Record<string, ServiceState>;
}

export interface ClusterConfig {
  id: string;
  version: string;
  nodes: NodeConfig[];
  username?: string;
  password?: string;
}

const CERT_OU: Partial<Record<CertificateUnit, string>> = { tomcat: 'tomcat' };
const VALIDITY_DAYS = 1825; // five years, as CUCM's self-signed certificates

export const DEFAULT_SERVICES: Record<string, ServiceState> = {
  'A Cisco DB': 'STARTED',
  'Cisco CallManager': 'STARTED',
  'Cisco CTIManager': 'STARTED',
  'Cisco Tftp': 'STARTED',
  'Cisco Trust Verification Service': 'STARTED',
  'Cisco Certificate Change Notification': 'STARTED',
  'Cisco DRF Local': 'STARTED',
  'Cisco Tomcat': 'STARTED',
  'Platform Administrative Web Service': 'STARTED',
};

export class EventLog {
  private readonly events: SimEvent[] = [];
  record(event: Omit<SimEvent, 'seq' | 'at'>): SimEvent {
    const full = { ...event, seq: this.events.length + 1, at: new Date().toISOString() };
    this.events.push(full);
    return full;
  }
  list(filter: Partial<Pick<SimEvent, 'node' | 'kind'>> = {}): SimEvent[] {
    return this.events.filter(
      (e) => (!filter.node || e.node === filter.node) && (!filter.kind || e.kind === filter.kind),
    );
  }
}

export class SimNode {
  readonly certificates = new Map<CertificateUnit, SimCertificate>();
  /** What each service actually uses: a regenerated certificate goes live only when its service restarts. */
  readonly activeCertificates = new Map<CertificateUnit, SimCertificate>();
  readonly services = new Map<string, SimService>();

  constructor(
    readonly config: NodeConfig,
    readonly cluster: SimCluster,
  ) {
    for (const [name, state] of Object.entries({ ...DEFAULT_SERVICES, ...config.services })) {
      this.services.set(name, { name, state, reason: state === 'STOPPED' ? 'Service Not Activated' : undefined });
    }
    this.issue('tomcat');
    this.activeCertificates.set('tomcat', this.certificate('tomcat'));
  }

  get name(): string {
    return this.config.name;
  }

  certificate(unit: CertificateUnit): SimCertificate {
    const cert = this.certificates.get(unit);
    if (!cert) throw new Error(`${this.name} has no ${unit} certificate`);
    return cert;
  }

  /** Replaces the unit's certificate; the old one stays active until the unit's service restarts. */
  issue(unit: CertificateUnit): SimCertificate {
    const cert = createSelfSignedCertificate({
      commonName: this.name,
      organizationalUnit: CERT_OU[unit] ?? unit,
      validityDays: VALIDITY_DAYS,
    });
    this.certificates.set(unit, cert);
    return cert;
  }
}

export class SimCluster {
  readonly nodes: SimNode[];
  readonly events = new EventLog();

  constructor(readonly config: ClusterConfig) {
    this.nodes = config.nodes.map((n) => new SimNode(n, this));
  }

  node(name: string): SimNode {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`No node ${name} in cluster ${this.config.id}`);
    return node;
  }
}
