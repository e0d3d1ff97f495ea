/**
 * What a test may know about a simulated cluster: what a UC engineer could see on a real one (the node's protocols:
 * the certificate HTTPS serves) and the simulator's own witness over its control API (GET /clusters/{id}/nodes/
 * {node}, /events, /phones; POST /faults), over HTTP, never the simulator's memory. The control API listens on a
 * loopback port of its own for the test's in-process simulator, as `npm run simulator -- --control-port` does.
 */
import type { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import type { RunningSimulator } from '../../simulator/cluster-runner';
import { startControlApi } from '../../simulator/control-api';
import type { FaultSpec, SimEvent } from '../../simulator/model';

export type { SimEvent } from '../../simulator/model';

/** GET /clusters/{id}/nodes/{node} (dates as JSON strings). */
interface NodeView {
  name: string;
  role: 'publisher' | 'subscriber';
  /** callmanager, cups, or uccx (a Unified CCX node that trusts the cluster). */
  product?: string;
  certificates: Record<string, { serial: string; issuer: string; validTo: string; active: string; sha256?: string }>;
  services: Array<{ name: string; state: string; reason?: string }>;
  trust: Record<string, Array<{ filename: string; serial: string; sha256?: string; validTo: string }>>;
  /** UCCX: the tomcat-trust serials each service read when it last started. */
  loadedTrust?: Record<string, string[]>;
  itl?: { signer: { unit: string; node: string; serial: string; subject: string }; records: number };
  ctl?: { signer: { unit: string; node: string; serial: string; subject: string }; records: number };
}

/** GET /clusters/{id}/phones. */
interface PhonesView {
  counts: { Registered: number; UnRegistered: number; Rejected: number };
  /** Phones reset and not yet settled (re-registered or refused). */
  pending: number;
  notRegistered: Array<{ name: string; node: string; status: string; reason?: string }>;
  /** The simulator's witness: phones that were ever left with no CallManager of their group running. */
  noCallManager: { count: number; phones: string[] };
}

/** One phone as GET /clusters/{id}/phones?list=all shows it. */
interface PhoneView {
  name: string;
  node: string;
  model: string;
  secure: boolean;
  status: string;
  resets: number;
}

interface EventFilter {
  since?: number;
  kind?: string;
  node?: string;
  /** Hold the answer up to this many ms until there is an event after `since`. */
  waitMs?: number;
}

export interface Control {
  /** Base URL of the control API. */
  url: string;
  node(clusterId: string, node: string): Promise<NodeView>;
  /** The unit's certificate serial on the node (lower-case hex). */
  serial(clusterId: string, node: string, unit: string): Promise<string>;
  events(clusterId: string, filter?: EventFilter): Promise<SimEvent[]>;
  /** Sequence number of the last event so far (0 when none). */
  lastSeq(clusterId: string): Promise<number>;
  /** The first event after `since` matching `match`, as soon as it is logged (long poll). */
  nextEvent(
    clusterId: string,
    match: (e: SimEvent) => boolean,
    what: string,
    since?: number,
    timeoutMs?: number,
  ): Promise<SimEvent>;
  phones(clusterId: string): Promise<PhonesView>;
  /** Every phone of the cluster (GET /clusters/{id}/phones?list=all). */
  phoneList(clusterId: string): Promise<PhoneView[]>;
  /** Every own certificate's serial (lower-case hex) of the given nodes, per `node:unit`. */
  serials(clusterId: string, nodes: readonly string[]): Promise<Map<string, string>>;
  fault(clusterId: string, fault: FaultSpec): Promise<void>;
  /**
   * Switches a phone off (RisPort70 shows it UnRegistered with TimeStamp `since`, epoch seconds) or on again
   * (POST /clusters/{id}/phones/{name}/power).
   */
  power(clusterId: string, phone: string, offline: boolean, since?: number): Promise<void>;
  /** Resets every phone (CM Administration's bulk Reset) and waits until each has settled (registered or refused). */
  resetPhonesAndSettle(clusterId: string, timeoutMs?: number): Promise<PhonesView>;
  close(): Promise<void>;
}

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`control API ${response.url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Starts the control API for `sim` on a free loopback port. */
export async function startControl(sim: RunningSimulator): Promise<Control> {
  const app: FastifyInstance = await startControlApi(sim, { host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the control API has no port');
  const url = `http://127.0.0.1:${address.port}`;
  const get = <T>(path: string) => fetch(`${url}${path}`).then((r) => json<T>(r));
  const cluster = (id: string) => `/clusters/${encodeURIComponent(id)}`;

  const control: Control = {
    url,
    node: (clusterId, node) => get<NodeView>(`${cluster(clusterId)}/nodes/${encodeURIComponent(node)}`),
    async serial(clusterId, node, unit) {
      const view = await control.node(clusterId, node);
      const cert = view.certificates[unit];
      if (!cert) throw new Error(`${clusterId}/${node} has no ${unit} certificate`);
      return cert.serial.toLowerCase();
    },
    events(clusterId, filter = {}) {
      const query = new URLSearchParams();
      if (filter.since) query.set('since', String(filter.since));
      if (filter.kind) query.set('kind', filter.kind);
      if (filter.node) query.set('node', filter.node);
      if (filter.waitMs) query.set('wait', String(filter.waitMs));
      return get<SimEvent[]>(`${cluster(clusterId)}/events?${query.toString()}`);
    },
    async lastSeq(clusterId) {
      return (await control.events(clusterId)).at(-1)?.seq ?? 0;
    },
    async nextEvent(clusterId, match, what, since = 0, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      let seen = since;
      for (;;) {
        // Long poll: the control API answers as soon as anything new is logged.
        const events = await control.events(clusterId, { since: seen, waitMs: 5_000 });
        const hit = events.find(match);
        if (hit) return hit;
        if (events.length) seen = events[events.length - 1]!.seq;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      }
    },
    phones: (clusterId) => get<PhonesView>(`${cluster(clusterId)}/phones`),
    async phoneList(clusterId) {
      return (await get<{ list: PhoneView[] }>(`${cluster(clusterId)}/phones?list=all`)).list;
    },
    async serials(clusterId, nodes) {
      const serials = new Map<string, string>();
      for (const name of nodes)
        for (const [unit, cert] of Object.entries((await control.node(clusterId, name)).certificates))
          serials.set(`${name}:${unit}`, cert.serial.toLowerCase());
      return serials;
    },
    async fault(clusterId, fault) {
      await fetch(`${url}${cluster(clusterId)}/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(fault),
      }).then((r) => json<unknown>(r));
    },
    async power(clusterId, phone, offline, since) {
      await fetch(`${url}${cluster(clusterId)}/phones/${encodeURIComponent(phone)}/power`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ offline, ...(since !== undefined ? { since } : {}) }),
      }).then((r) => json<unknown>(r));
    },
    async resetPhonesAndSettle(clusterId, timeoutMs = 20_000) {
      await fetch(`${url}${cluster(clusterId)}/phones/reset`, { method: 'POST' }).then((r) => json<unknown>(r));
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const view = await control.phones(clusterId);
        if (view.pending === 0) return view;
        if (Date.now() > deadline)
          throw new Error(`${clusterId}: ${view.pending} phones still pending after the reset`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () => app.close(),
  };
  return control;
}

/** The serial (lower-case hex) of the certificate a node's HTTPS port presents, as a browser would see it. */
export async function servedSerial(host: string, port: number): Promise<string> {
  return (await servedCertificate(host, port)).serialNumber.toLowerCase();
}

/** The SHA-256 fingerprint (AA:BB:...) of the certificate a node's HTTPS port presents. */
export async function servedFingerprint(host: string, port: number): Promise<string> {
  return (await servedCertificate(host, port)).fingerprint256;
}

/** The certificate a node serves over HTTPS (what a browser or UCCX sees). */
export function servedCertificate(host: string, port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.end();
      if (cert) resolve(cert);
      else reject(new Error(`${host}:${port} presented no certificate`));
    });
    socket.setTimeout(15_000, () => socket.destroy(new Error(`${host}:${port}: TLS handshake timed out`)));
    socket.once('error', reject);
  });
}
