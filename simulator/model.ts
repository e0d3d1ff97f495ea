/**
 * The simulated cluster as CUCM shows it over the network: nodes with real certificates, trust stores and services;
 * ITL/CTL files served by TFTP; a phone fleet that re-registers after a reset only if it can still trust the files;
 * fault injection; and an ordered event log of every operation received, which tests and demos read to check what
 * happened and in which order.
 *
 * Every delay goes through the clock's time scale, so a test runs the real sequence of delays in milliseconds.
 */
import {
  atLeast,
  ctlSigner,
  itlSigner,
  itlResetSigner,
  parseVersion,
  trustStoreOf,
  unitsOnNode,
  unitsPresentedBy,
  UCCX_CLI,
  UCCX_OWN_UNITS,
  UCCX_RESTART_MS,
  UCCX_SERVICES,
  validityDays,
  type CertificateUnit,
  type ControlRefusalShape,
  type NodeProduct,
  type SimVersion,
} from './facts';
import { createCertificate, type SimCertificate } from './certificates';
import { CallManagerGroups, type CallManagerGroupConfig, type DevicePoolConfig } from './callmanager-groups';
import { PhoneFleet, type PhoneFleetConfig } from './phones';
import { defaultServices, restartDurations, SERVICE, type ServiceSetting, type ServiceState } from './services';
import { buildTrustFile, record, type SignedTrustFile, type TrustRecord } from './trust-files';

export type { ServiceState } from './services';
export type { CertificateUnit, NodeProduct } from './facts';

export interface Credentials {
  username: string;
  password: string;
}

export interface NodeConfig {
  name: string;
  role: 'publisher' | 'subscriber';
  /** callmanager (CUCM) or cups (IM&P). */
  product?: NodeProduct;
  /** Runs CallManager, CTIManager, TFTP and TVS; true by default on CUCM nodes. */
  callProcessing?: boolean;
  /** The address `show network cluster` prints (the simulator listens on loopback). */
  ip?: string;
  /** Overrides of the default service states, e.g. {"Cisco Tftp": "STOPPED"}. */
  services?: Record<string, ServiceState>;
}

export interface ClusterConfig {
  id: string;
  /** e.g. "14.0.1.13900-155", "12.5", "11.5.1.21900-40". */
  version: string;
  /** 0 non-secure (default), 1 mixed mode. */
  securityMode?: 0 | 1;
  domain?: string;
  nodes: NodeConfig[];
  /** OS admin (SSH, certificate REST API) and AXL/serviceability application user; random passwords if omitted. */
  username?: string;
  password?: string;
  axlUsername?: string;
  axlPassword?: string;
  /** Units issued by the cluster's (simulated) enterprise CA instead of self-signed. */
  caSignedUnits?: CertificateUnit[];
  /**
   * Test knob: the validity in days of a unit's first certificate on every node (e.g. {"tomcat": 10} for one that
   * expires in 10 days); a regenerated certificate gets the unit's normal validity.
   */
  initialValidityDays?: Partial<Record<CertificateUnit, number>>;
  /**
   * Test knob: how many days ago a unit's first certificate was issued (notBefore; default now), e.g. {"tomcat": 70}
   * with initialValidityDays {"tomcat": 90} for one 70 days into a 90-day lifetime.
   */
  initialAgeDays?: Partial<Record<CertificateUnit, number>>;
  /** Expired certificates planted in each node's tomcat-trust and CallManager-trust (default 1 each). */
  expiredTrustPerStore?: number;
  phones?: PhoneFleetConfig;
  /** CallManager groups (node names by priority) and device pools; default one of each per call-processing node. */
  callManagerGroups?: CallManagerGroupConfig[];
  devicePools?: DevicePoolConfig[];
  risport?: {
    requestsPerMinute?: number;
    windowMs?: number;
    /**
     * How a StateInfo paging loop ends (public evidence differs; the product must cope with both): "empty-state-info"
     * (default), the last page carries an empty StateInfo; "no-change", every page carries a StateInfo and the request
     * after the last page is answered with NoChange nodes, no devices, and the StateInfo it sent, repeated.
     */
    pagingEnd?: 'empty-state-info' | 'no-change';
  };
  /** Each node's PerfMon budget (default facts/perfmon.ts: 80 per minute), in windows of `windowMs` (60 s). */
  perfmon?: { requestsPerMinute?: number; windowMs?: number };
  /** How Control Center refuses a control (facts/control-center.ts): `reason-string` (default) or `fault`. */
  controlCenter?: { refusal?: ControlRefusalShape };
  /**
   * `false`: the SSH server refuses `password` authentication and takes the password through keyboard-interactive
   * only, as a public client reports of a live CUCM 15 (facts/ssh.ts, SSH_AUTH_VARIANTS). Default: both accepted.
   */
  sshPasswordAuthentication?: boolean;
  /**
   * Unified CCX nodes that trust this cluster's tomcat (each its own VOS node with its own SSH CLI and administrator,
   * not a member of the cluster): their tomcat-trust starts with every CUCM node's tomcat certificates.
   */
  uccxNodes?: UccxNodeConfig[];
}

interface UccxNodeConfig {
  name: string;
  ip?: string;
  /** What `show version active` prints (a UCCX release; default facts/uccx.ts). */
  version?: string;
  /** Its platform administrator; random password if omitted. */
  username?: string;
  password?: string;
}

export interface SimEvent {
  seq: number;
  at: string;
  node: string;
  /** The authenticated user, or "system" for internal transitions. */
  actor: string;
  kind: string;
  detail: Record<string, string>;
}

class EventLog {
  private readonly events: SimEvent[] = [];
  record(event: Omit<SimEvent, 'seq' | 'at'>): SimEvent {
    const full = { ...event, seq: this.events.length + 1, at: new Date().toISOString() };
    this.events.push(full);
    return full;
  }
  list(filter: { node?: string; kind?: string; since?: number } = {}): SimEvent[] {
    return this.events.filter(
      (e) =>
        (!filter.node || e.node === filter.node) &&
        (!filter.kind || e.kind === filter.kind) &&
        (!filter.since || e.seq > filter.since),
    );
  }
  get length(): number {
    return this.events.length;
  }
}

/**
 * One delay the simulator imposed on a caller, as scheduled (the nominal scaled duration from `start`, in
 * performance.now() milliseconds; a timer firing late because the event loop was busy is not counted).
 */
export interface SimDelay {
  kind: string;
  start: number;
  end: number;
}

/** Scales real-world delays; 1 = real-ish timing, 0.01 for tests. */
class SimClock {
  /**
   * Every delay imposed since `recordDelays` was switched on, in the order they began (for benches: what a caller
   * had to wait for). Off by default, so a long-running simulator (npm start) does not grow a list forever.
   */
  readonly delays: SimDelay[] = [];
  recordDelays = false;
  constructor(public timeScale: number) {}
  scaled(realMs: number): number {
    return Math.round(realMs * this.timeScale);
  }
  /** `kind` labels the delay in `delays` (the CLI's own waits are "cli"). */
  sleep(realMs: number, kind = 'cli'): Promise<void> {
    const ms = this.scaled(realMs);
    this.record(kind, performance.now(), ms);
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
  /** Accounts a delay that is not a sleep (e.g. a phone's re-registration timer). */
  record(kind: string, start: number, durationMs: number): void {
    if (this.recordDelays) this.delays.push({ kind, start, end: start + durationMs });
  }
}

export type FaultSpec =
  | { kind: 'node-down'; node: string; down: boolean }
  | { kind: 'ssh-drop'; node: string; commandPrefix: string }
  | { kind: 'slow'; factor: number }
  | { kind: 'restart-fails-once'; node: string; service: string }
  | { kind: 'axl-503'; count: number }
  /**
   * The next `count` AXL requests (of `operation` only, when given) answer AXL's fault for a bad request: HTTP 500,
   * faultcode soapenv:Client, detail/axlError with `axlcode` (e.g. 5007 "Item not valid") and `message`.
   */
  | { kind: 'axl-fault'; count: number; axlcode: number; operation?: string; message?: string }
  | { kind: 'risport-over-limit'; count: number }
  /**
   * PerfMon made unavailable on every node ("fault": each request is answered with a server fault; "not-found": the
   * path answers Tomcat's 404), or available again ("off").
   */
  | { kind: 'perfmon-unavailable'; mode: 'fault' | 'not-found' | 'off' }
  | { kind: 'phones-never-return'; count: number }
  /** `utils dbreplication runtimestate` shows the node as (3) Out Of Sync until cleared. */
  | { kind: 'replication-broken'; node: string; broken: boolean };

class Faults {
  readonly nodesDown = new Set<string>();
  readonly sshDrop = new Map<string, string>();
  slowFactor = 1;
  readonly restartFailsOnce = new Set<string>();
  axl503 = 0;
  axlFault: { count: number; axlcode: number; operation?: string; message?: string } | undefined;
  risportOverLimit = 0;
  perfmonUnavailable: 'fault' | 'not-found' | undefined;
  readonly replicationBroken = new Set<string>();

  /** Consumes one armed AXL fault for this operation, if any. */
  takeAxlFault(operation: string): { axlcode: number; message?: string } | undefined {
    const armed = this.axlFault;
    if (!armed || armed.count <= 0 || (armed.operation !== undefined && armed.operation !== operation))
      return undefined;
    armed.count -= 1;
    return { axlcode: armed.axlcode, ...(armed.message !== undefined ? { message: armed.message } : {}) };
  }

  /** Consumes a one-shot SSH drop for this node and command, if armed. */
  takeSshDrop(node: string, command: string): boolean {
    const prefix = this.sshDrop.get(node);
    if (prefix === undefined || !command.startsWith(prefix)) return false;
    this.sshDrop.delete(node);
    return true;
  }
}

export interface TrustEntry {
  /** `<CN>_<serial>.pem`, as `show cert list trust` prints it. */
  filename: string;
  cert: SimCertificate;
}

export interface PendingCsr {
  csrPem: string;
  keyPem: string;
  subject: string;
  altNames: string[];
  /** A multi-server (SAN) CSR: the nodes (names) its certificate is installed on when uploaded here. */
  multiServer?: string[];
}

export class SimNode {
  readonly certificates = new Map<CertificateUnit, SimCertificate>();
  /** What each service actually uses: a regenerated certificate goes live only when its service restarts. */
  readonly active = new Map<CertificateUnit, SimCertificate>();
  readonly trust = new Map<string, TrustEntry[]>();
  readonly services = new Map<string, ServiceSetting & { name: string }>();
  readonly csrs = new Map<CertificateUnit, PendingCsr>();
  /** ITL and CTL as this node's TFTP loaded them at its last start. */
  servedItl?: SignedTrustFile;
  servedCtl?: SignedTrustFile;
  /** Certificates TVS can vouch for: read from the node's stores when TVS starts. */
  tvsKnown = new Set<string>();
  /**
   * UCCX: the serials of tomcat-trust each service read when it last started (a certificate imported later is used
   * only after that service restarts); empty on CUCM nodes.
   */
  readonly loadedTrust = new Map<string, string[]>();
  /** Called when Cisco Tomcat has restarted (the HTTPS server then serves the new certificate). */
  readonly onTomcatStarted: Array<() => void> = [];
  readonly product: NodeProduct;
  readonly callProcessing: boolean;
  readonly ip: string;

  constructor(
    readonly config: NodeConfig,
    readonly cluster: SimCluster,
    index: number,
  ) {
    this.product = config.product ?? 'callmanager';
    this.callProcessing = config.callProcessing ?? this.product === 'callmanager';
    this.ip = config.ip ?? `10.${10 + (index >> 8)}.1.${(index % 250) + 11}`;
    const defaults: Record<string, ServiceSetting> =
      this.product === 'uccx'
        ? Object.fromEntries(UCCX_SERVICES.map((s) => [s.name, { state: 'STARTED' as const }]))
        : defaultServices(cluster.version, config.role, this.product, this.callProcessing);
    for (const [name, setting] of Object.entries(defaults)) this.services.set(name, { name, ...setting });
    for (const [name, state] of Object.entries(config.services ?? {})) {
      this.services.set(name, { name, state, reason: state === 'STOPPED' ? 'Service Not Activated' : undefined });
    }
  }

  get name(): string {
    return this.config.name;
  }
  /** Who may log in to its CLI: the cluster's OS administrator, or a UCCX node's own. */
  get osAdmin(): Credentials {
    return this.cluster.uccxAdmins.get(this.name) ?? this.cluster.osAdmin;
  }
  /** What `show version active` prints. */
  get version(): string {
    return this.product === 'uccx'
      ? (this.cluster.config.uccxNodes?.find((u) => u.name === this.name)?.version ?? UCCX_CLI.defaultVersion)
      : this.cluster.config.version;
  }
  get role(): 'publisher' | 'subscriber' {
    return this.config.role;
  }
  get fqdn(): string {
    return `${this.name}.${this.cluster.config.domain ?? 'uc.example.com'}`;
  }

  certificate(unit: CertificateUnit): SimCertificate {
    const cert = this.certificates.get(unit);
    if (!cert) throw new Error(`${this.name} has no ${unit} certificate`);
    return cert;
  }

  /** Certificate a running service uses right now (the pre-regeneration one until the service restarts). */
  activeCertificate(unit: CertificateUnit): SimCertificate {
    return this.active.get(unit) ?? this.certificate(unit);
  }

  serviceState(name: string): ServiceState | undefined {
    return this.services.get(name)?.state;
  }
  isStarted(name: string): boolean {
    return this.serviceState(name) === 'STARTED';
  }
  /** Activated = present and not "Service Not Activated". */
  isActivated(name: string): boolean {
    const s = this.services.get(name);
    return !!s && s.reason !== 'Service Not Activated';
  }

  addTrust(store: string, cert: SimCertificate, label = cert.commonName): void {
    const entries = this.trust.get(store) ?? [];
    // Spaces in a CN become underscores, as in the names CUCM lists (`USERTrust_RSA_Certification_Authority_<hex>.pem`,
    // `Cisco_Root_CA_2099_<hex>.pem`: ref §1.3).
    const filename = `${label.replace(/\s+/g, '_')}_${cert.serial.toLowerCase()}.pem`;
    if (!entries.some((e) => e.filename === filename)) entries.push({ filename, cert });
    this.trust.set(store, entries);
  }
}

function unitLabel(node: SimNode, unit: CertificateUnit): string {
  // CUCM names ECDSA certificates <host>-EC, and the ITLRecovery certificate ITLRECOVERY_<host>.
  if (unit.endsWith('-ECDSA')) return `${node.name}-EC`;
  if (unit === 'ITLRecovery') return `ITLRECOVERY_${node.cluster.publisher.name}`;
  if (unit === 'CAPF') return `CAPF-${node.name}`;
  return node.fqdn;
}

export class SimCluster {
  readonly version: SimVersion;
  readonly nodes: SimNode[];
  /** Unified CCX nodes that trust the cluster (not members: `show network cluster` does not list them). */
  readonly uccxNodes: SimNode[];
  readonly uccxAdmins = new Map<string, Credentials>();
  readonly events = new EventLog();
  readonly faults = new Faults();
  readonly phones: PhoneFleet;
  readonly callManagerGroups: CallManagerGroups;
  /** The enterprise CA that signs `caSignedUnits`; its root sits in every node's <unit>-trust. */
  ca?: SimCertificate;
  /** The CTL as `utils ctl update CTLFile` last wrote it (mixed mode only). */
  ctlFile?: SignedTrustFile;
  securityMode: 0 | 1;
  readonly osAdmin: Credentials;
  readonly axlUser: Credentials;

  private constructor(
    readonly config: ClusterConfig,
    readonly clock: SimClock,
    credentials: { osAdmin: Credentials; axl: Credentials; uccx?: Map<string, string> },
  ) {
    this.version = parseVersion(config.version);
    this.securityMode = config.securityMode ?? 0;
    const publishers = config.nodes.filter((n) => n.role === 'publisher');
    if (publishers.length !== 1) throw new Error(`cluster ${config.id}: exactly one node must be the publisher`);
    this.nodes = [...publishers, ...config.nodes.filter((n) => n.role !== 'publisher')].map(
      (n, i) => new SimNode(n, this, i),
    );
    this.osAdmin = credentials.osAdmin;
    this.axlUser = credentials.axl;
    this.uccxNodes = (config.uccxNodes ?? []).map(
      (u, i) =>
        new SimNode(
          { name: u.name, role: 'publisher', product: 'uccx', ip: u.ip ?? `10.10.9.${i + 21}` },
          this,
          200 + i,
        ),
    );
    for (const u of config.uccxNodes ?? [])
      this.uccxAdmins.set(u.name, {
        username: u.username ?? 'admin',
        password: u.password ?? credentials.uccx?.get(u.name) ?? `${credentials.osAdmin.password}-ccx`,
      });
    this.callManagerGroups = new CallManagerGroups(this, config);
    this.phones = new PhoneFleet(this, config.phones ?? { count: 0 });
  }

  static async create(
    config: ClusterConfig,
    options: {
      timeScale?: number;
      credentials: { osAdmin: Credentials; axl: Credentials; uccx?: Map<string, string> };
    },
  ): Promise<SimCluster> {
    const cluster = new SimCluster(config, new SimClock(options.timeScale ?? 1), options.credentials);
    await cluster.issueInitialCertificates();
    cluster.bootTrustServices();
    cluster.phones.populate();
    return cluster;
  }

  get publisher(): SimNode {
    return this.nodes[0]!;
  }
  get mixedMode(): boolean {
    return this.securityMode === 1;
  }

  /** A member node, or a UCCX node that trusts the cluster. */
  node(name: string): SimNode {
    const node = [...this.nodes, ...this.uccxNodes].find((n) => n.name === name || n.fqdn === name);
    if (!node) throw new Error(`No node ${name} in cluster ${this.config.id}`);
    return node;
  }

  log(node: SimNode | string, actor: string, kind: string, detail: Record<string, string> = {}): void {
    this.events.record({ node: typeof node === 'string' ? node : node.name, actor, kind, detail });
  }

  private newCertificate(
    node: SimNode,
    unit: CertificateUnit,
    days = validityDays(unit),
    age?: number,
  ): Promise<SimCertificate> {
    const caSigned = this.ca && (this.config.caSignedUnits ?? []).includes(unit);
    return createCertificate({
      commonName: unitLabel(node, unit),
      organizationalUnit: unit,
      validityDays: days,
      keyType: unit.endsWith('-ECDSA') ? 'EC' : 'RSA',
      issuer: caSigned ? this.ca : undefined,
      altNames: [node.fqdn, node.name],
      ...(age === undefined ? {} : { notBefore: new Date(Date.now() - age * 86_400_000) }),
    });
  }

  private async issueInitialCertificates(): Promise<void> {
    if ((this.config.caSignedUnits ?? []).length > 0) {
      this.ca = await createCertificate({
        commonName: `${this.config.id} Enterprise Root CA`,
        organizationalUnit: 'PKI',
        validityDays: 7300,
        isCa: true,
      });
    }
    const pub = this.publisher;
    const jobs: Array<Promise<void>> = [];
    for (const node of this.nodes) {
      for (const unit of unitsOnNode(this.version, node.role, node.product)) {
        // From 12.5 the publisher generates the one ITLRecovery certificate and distributes it.
        if (unit === 'ITLRecovery' && node !== pub && atLeast(this.version, 12, 5)) continue;
        const days = this.config.initialValidityDays?.[unit];
        const age = this.config.initialAgeDays?.[unit];
        jobs.push(this.newCertificate(node, unit, days, age).then((cert) => void node.certificates.set(unit, cert)));
      }
    }
    const expiredPerStore = this.config.expiredTrustPerStore ?? 1;
    const expired: Array<Promise<[SimNode, string, SimCertificate]>> = [];
    for (const node of this.nodes) {
      for (const store of ['tomcat-trust', 'CallManager-trust']) {
        for (let i = 0; i < expiredPerStore; i++) {
          expired.push(
            createCertificate({
              commonName: `Retired_${store.split('-')[0]}_CA_${i + 1}`,
              organizationalUnit: 'retired',
              validityDays: 365,
              notBefore: new Date('2019-03-01T00:00:00Z'),
            }).then((cert) => [node, store, cert]),
          );
        }
      }
    }
    await Promise.all(jobs);
    for (const node of this.nodes) {
      if (node !== pub && node.product === 'callmanager' && atLeast(this.version, 12, 5))
        node.certificates.set('ITLRecovery', pub.certificate('ITLRecovery'));
      for (const [unit, cert] of node.certificates) node.active.set(unit, cert);
    }
    // Every node trusts every node's certificates, per unit's trust store (tomcat-trust holds all tomcat certs, ...).
    for (const holder of this.nodes) {
      for (const node of this.nodes)
        for (const [unit, cert] of node.certificates) holder.addTrust(trustStoreOf(unit), cert, unitLabel(node, unit));
      if (this.ca) for (const unit of this.config.caSignedUnits ?? []) holder.addTrust(trustStoreOf(unit), this.ca);
    }
    for (const [node, store, cert] of await Promise.all(expired)) node.addTrust(store, cert);
    await this.issueUccxCertificates();
  }

  /**
   * A UCCX node holds its own tomcat and trusts every CUCM node's tomcat and tomcat-ECDSA (and the enterprise CA of a
   * CA-signed tomcat), as an integrated UCCX does; its services read that tomcat-trust at "boot".
   */
  private async issueUccxCertificates(): Promise<void> {
    for (const uccx of this.uccxNodes) {
      for (const unit of UCCX_OWN_UNITS) {
        const cert = await createCertificate({
          commonName: uccx.fqdn,
          organizationalUnit: unit,
          validityDays: validityDays(unit),
          keyType: 'RSA',
          altNames: [uccx.fqdn, uccx.name],
        });
        uccx.certificates.set(unit, cert);
        uccx.active.set(unit, cert);
        uccx.addTrust(trustStoreOf(unit), cert, uccx.fqdn);
      }
      for (const node of this.nodes)
        for (const unit of ['tomcat', 'tomcat-ECDSA'] as const) {
          const cert = node.certificates.get(unit);
          if (cert) uccx.addTrust('tomcat-trust', cert, unitLabel(node, unit));
        }
      if (this.ca && (this.config.caSignedUnits ?? []).some((u) => u.startsWith('tomcat')))
        uccx.addTrust('tomcat-trust', this.ca);
      for (const s of UCCX_SERVICES) if (s.readsTomcatTrust) this.loadTrust(uccx, s.name, 'system');
    }
  }

  /** A UCCX service (re)started: it now uses what tomcat-trust holds (logged, for tests: `trust-loaded`). */
  private loadTrust(node: SimNode, service: string, actor: string): void {
    const serials = (node.trust.get('tomcat-trust') ?? []).map((e) => e.cert.serial);
    node.loadedTrust.set(service, serials);
    if (actor !== 'system')
      this.log(node, actor, 'trust-loaded', { service, store: 'tomcat-trust', serials: serials.join(',') });
  }

  /** At "boot": TFTP builds its ITL, the CTL exists in mixed mode, TVS reads its stores. */
  private bootTrustServices(): void {
    if (this.mixedMode) this.ctlFile = this.buildCtl();
    for (const node of this.nodes) {
      if (node.isStarted(SERVICE.tftp)) this.startTftp(node);
      if (node.isStarted(SERVICE.tvs)) this.startTvs(node);
    }
  }

  // ---- ITL / CTL -------------------------------------------------------------------------------------------

  /** Records every phone may need: CCM+TFTP of each call-processing node, TVS, CAPF, ITLRecovery. */
  private trustRecords(): TrustRecord[] {
    const records: TrustRecord[] = [];
    for (const n of this.nodes) {
      if (n.product !== 'callmanager') continue;
      if (n.isActivated(SERVICE.callManager) || n.isActivated(SERVICE.tftp))
        records.push(record('CCM+TFTP', n.name, 'CallManager', n.certificate('CallManager')));
      if (n.isActivated(SERVICE.tvs)) records.push(record('TVS', n.name, 'TVS', n.certificate('TVS')));
      if (n.certificates.has('CAPF') && n.isActivated(SERVICE.capf))
        records.push(record('CAPF', n.name, 'CAPF', n.certificate('CAPF')));
    }
    const itlRecovery = this.publisher.certificates.get('ITLRecovery');
    if (itlRecovery) records.push(record('ITLRecovery', this.publisher.name, 'ITLRecovery', itlRecovery));
    return records;
  }

  buildItl(node: SimNode): SignedTrustFile {
    const signer =
      itlSigner(this.version) === 'ITLRecovery'
        ? record('ITLRecovery', this.publisher.name, 'ITLRecovery', this.publisher.certificate('ITLRecovery'))
        : record('CCM+TFTP', node.name, 'CallManager', node.certificate('CallManager'));
    return buildTrustFile('ITL', node.name, signer, this.trustRecords());
  }

  buildCtl(): SignedTrustFile {
    const pub = this.publisher;
    // Tokenless CTL: signed by the publisher's CallManager (CCM+TFTP) certificate before 12.0, by ITLRecovery from 12.0.
    const signer =
      ctlSigner(this.version, 1) === 'ITLRecovery'
        ? record('System Administrator Security Token', pub.name, 'ITLRecovery', pub.certificate('ITLRecovery'))
        : record('System Administrator Security Token', pub.name, 'CallManager', pub.certificate('CallManager'));
    return buildTrustFile(
      'CTL',
      pub.name,
      signer,
      this.trustRecords().filter((r) => r.function !== 'TVS'),
    );
  }

  private startTftp(node: SimNode): void {
    node.servedItl = this.buildItl(node);
    node.servedCtl = this.ctlFile;
  }

  private startTvs(node: SimNode): void {
    const known = new Set<string>();
    for (const cert of node.certificates.values()) known.add(cert.serial);
    for (const entries of node.trust.values()) for (const e of entries) known.add(e.cert.serial);
    node.tvsKnown = known;
    node.active.set('TVS', node.certificate('TVS'));
  }

  // ---- operations ------------------------------------------------------------------------------------------

  /** `set cert regen <unit>`: a new key and certificate; services keep the old one until they restart. */
  async regenerate(node: SimNode, unit: CertificateUnit, actor: string): Promise<SimCertificate> {
    const before = node.certificate(unit);
    // The key pair is made during the regeneration's delay, not after it: a node's regeneration time includes its
    // own key generation, so the simulator's keygen (real CPU time, unscaled) is not added on top of CUCM's.
    const [, cert] = await Promise.all([
      this.clock.sleep(5000 * this.faults.slowFactor, 'cert-regen'),
      createCertificate({
        commonName: unitLabel(node, unit),
        organizationalUnit: unit,
        validityDays: validityDays(unit),
        keyType: unit.endsWith('-ECDSA') ? 'EC' : 'RSA',
        altNames: [node.fqdn, node.name],
      }),
    ]);
    node.certificates.set(unit, cert);
    node.csrs.delete(unit);
    this.log(node, actor, 'cert-regenerated', { unit, serialBefore: before.serial, serialAfter: cert.serial });
    // The publisher's ITLRecovery is the subscribers' copy too (12.5+).
    if (unit === 'ITLRecovery' && node === this.publisher && atLeast(this.version, 12, 5)) {
      for (const n of this.nodes)
        if (n !== node && n.certificates.has('ITLRecovery')) n.certificates.set('ITLRecovery', cert);
    }
    this.distributeTrust(node, unit, cert);
    return cert;
  }

  /** Certificate Change Notification copies a node's new certificate into every node's trust store. */
  distributeTrust(node: SimNode, unit: CertificateUnit, cert: SimCertificate): void {
    if (!node.isStarted(SERVICE.ccn)) return;
    for (const holder of this.nodes) holder.addTrust(trustStoreOf(unit), cert, unitLabel(node, unit));
  }

  /** Restarts a service: STOPPING, STARTING, STARTED (scaled delays), calling `onState` at each transition. */
  async restartService(
    node: SimNode,
    name: string,
    actor: string,
    onState?: (state: ServiceState) => void,
  ): Promise<ServiceState> {
    const service = node.services.get(name);
    if (!service) throw new Error(`Invalid service name: ${name}`);
    const [stopMs, startMs] = (node.product === 'uccx' ? UCCX_RESTART_MS[name] : undefined) ?? restartDurations(name);
    const transition = (state: ServiceState) => this.setServiceState(node, name, state, actor, onState);
    transition('STOPPING');
    this.serviceStopped(node, name);
    await this.clock.sleep(stopMs * this.faults.slowFactor, 'service-restart');
    if (this.faults.restartFailsOnce.delete(`${node.name}|${name}`)) {
      transition('STOPPED');
      service.reason = 'Component is not running';
      return 'STOPPED';
    }
    transition('STARTING');
    await this.clock.sleep(startMs * this.faults.slowFactor, 'service-restart');
    service.reason = undefined;
    this.serviceStarted(node, name, actor);
    transition('STARTED');
    return 'STARTED';
  }

  /** Records a service's new state (event log and the CLI's echo). */
  private setServiceState(
    node: SimNode,
    name: string,
    state: ServiceState,
    actor: string,
    onState?: (state: ServiceState) => void,
  ): void {
    const service = node.services.get(name);
    if (!service) throw new Error(`Invalid service name: ${name}`);
    service.state = state;
    this.log(node, actor, 'service-state', { service: name, state });
    onState?.(state);
  }

  async stopService(
    node: SimNode,
    name: string,
    actor: string,
    onState?: (state: ServiceState) => void,
  ): Promise<void> {
    this.setServiceState(node, name, 'STOPPING', actor, onState);
    this.serviceStopped(node, name);
    await this.clock.sleep(restartDurations(name)[0] * this.faults.slowFactor, 'service-stop');
    const service = node.services.get(name);
    if (service) service.reason = 'Commanded Out of Service';
    this.setServiceState(node, name, 'STOPPED', actor, onState);
  }

  async startService(
    node: SimNode,
    name: string,
    actor: string,
    onState?: (state: ServiceState) => void,
  ): Promise<void> {
    this.setServiceState(node, name, 'STARTING', actor, onState);
    await this.clock.sleep(restartDurations(name)[1] * this.faults.slowFactor, 'service-start');
    const service = node.services.get(name);
    if (service) service.reason = undefined;
    this.serviceStarted(node, name, actor);
    this.setServiceState(node, name, 'STARTED', actor, onState);
  }

  private serviceStopped(node: SimNode, name: string): void {
    if (name === SERVICE.callManager) this.phones.callManagerStopped(node);
  }

  /** What a service picks up when it (re)starts. */
  private serviceStarted(node: SimNode, name: string, actor: string): void {
    if (node.product === 'uccx') {
      if (UCCX_SERVICES.some((s) => s.name === name && s.readsTomcatTrust)) this.loadTrust(node, name, actor);
      return;
    }
    // The certificates this service presents (facts/restarts.ts) go live now.
    for (const u of unitsPresentedBy(name, this.version))
      if (node.certificates.has(u)) node.active.set(u, node.certificate(u));
    switch (name) {
      case SERVICE.tomcat:
        for (const hook of node.onTomcatStarted) hook();
        break;
      case SERVICE.callManager:
        this.phones.callManagerStarted(node);
        break;
      case SERVICE.tftp:
        this.startTftp(node);
        break;
      case SERVICE.tvs:
        this.startTvs(node);
        break;
    }
  }

  /** `utils ctl update CTLFile` (publisher, mixed mode). */
  updateCtl(actor: string): SignedTrustFile {
    this.ctlFile = this.buildCtl();
    this.log(this.publisher, actor, 'ctl-updated', {
      signer: this.ctlFile.signer.serial,
      records: String(this.ctlFile.records.length),
    });
    return this.ctlFile;
  }

  /**
   * `utils itl reset localkey` (facts/trust-recovery.ts): the ITL's records signed by the other key (from 12.0 the
   * publisher's CallManager, before 12.0 ITLRecovery: a guess), pushed to every TFTP node at once; a Cisco Tftp
   * restart rebuilds the normal ITL. Returns the nodes it reached.
   */
  itlResetLocalKey(actor: string): string[] {
    const pub = this.publisher;
    const signer =
      itlResetSigner(this.version) === 'ITLRecovery'
        ? record('ITLRecovery', pub.name, 'ITLRecovery', pub.certificate('ITLRecovery'))
        : record('CCM+TFTP', pub.name, 'CallManager', pub.certificate('CallManager'));
    const reached: string[] = [];
    for (const node of this.nodes) {
      if (!node.isStarted(SERVICE.tftp)) continue;
      node.servedItl = buildTrustFile('ITL', node.name, signer, this.trustRecords());
      reached.push(node.name);
    }
    this.log(pub, actor, 'itl-reset', { signer: signer.serial, signerUnit: signer.unit, nodes: reached.join(',') });
    return reached;
  }

  /**
   * `utils ctl reset localkey` (facts/trust-recovery.ts): the CTL regenerated and signed by the secondary SAST, the
   * publisher's CallManager certificate; TFTP serves it after its restart, as after `utils ctl update CTLFile`.
   */
  ctlResetLocalKey(actor: string): SignedTrustFile {
    const pub = this.publisher;
    const signer = record(
      'System Administrator Security Token',
      pub.name,
      'CallManager',
      pub.certificate('CallManager'),
    );
    this.ctlFile = buildTrustFile(
      'CTL',
      pub.name,
      signer,
      this.trustRecords().filter((r) => r.function !== 'TVS'),
    );
    this.log(pub, actor, 'ctl-reset', {
      signer: signer.serial,
      signerUnit: 'CallManager',
      records: String(this.ctlFile.records.length),
    });
    return this.ctlFile;
  }

  deleteTrust(node: SimNode, store: string, filename: string, actor: string): TrustEntry {
    const entries = node.trust.get(store) ?? [];
    const index = entries.findIndex((e) => e.filename === filename || `${store}/${e.filename}` === filename);
    if (index < 0) throw new Error(`Certificate ${filename} not found in ${store}`);
    const [removed] = entries.splice(index, 1);
    this.log(node, actor, 'trust-deleted', { store, filename: removed!.filename, serial: removed!.cert.serial });
    return removed!;
  }

  injectFault(fault: FaultSpec, actor = 'control'): void {
    switch (fault.kind) {
      case 'node-down':
        if (fault.down) this.faults.nodesDown.add(fault.node);
        else this.faults.nodesDown.delete(fault.node);
        break;
      case 'ssh-drop':
        this.faults.sshDrop.set(fault.node, fault.commandPrefix);
        break;
      case 'slow':
        this.faults.slowFactor = fault.factor;
        break;
      case 'restart-fails-once':
        this.faults.restartFailsOnce.add(`${fault.node}|${fault.service}`);
        break;
      case 'axl-503':
        this.faults.axl503 = fault.count;
        break;
      case 'axl-fault':
        this.faults.axlFault = {
          count: fault.count,
          axlcode: fault.axlcode,
          ...(fault.operation !== undefined ? { operation: fault.operation } : {}),
          ...(fault.message !== undefined ? { message: fault.message } : {}),
        };
        break;
      case 'risport-over-limit':
        this.faults.risportOverLimit = fault.count;
        break;
      case 'perfmon-unavailable':
        this.faults.perfmonUnavailable = fault.mode === 'off' ? undefined : fault.mode;
        break;
      case 'phones-never-return':
        this.phones.markBadItl(fault.count);
        break;
      case 'replication-broken':
        if (fault.broken) this.faults.replicationBroken.add(fault.node);
        else this.faults.replicationBroken.delete(fault.node);
        break;
    }
    this.log('cluster', actor, 'fault', Object.fromEntries(Object.entries(fault).map(([k, v]) => [k, String(v)])));
  }
}
