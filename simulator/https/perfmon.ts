/**
 * PerfMon (`/perfmonservice2/services/PerfmonService`), served by node-soap from Cisco's PerfmonService.wsdl: sessions
 * (open, add and remove counters, collect, close), perfmonCollectCounterData, perfmonListCounter and
 * perfmonListInstance, from facts/perfmon.ts. The `Cisco CallManager` object's registered-phone counters count, from
 * the simulator's own phone model, the phones registered with the node the counter names. Each node counts its own
 * PerfMon requests against its budget (`perfmon.requestsPerMinute` per `perfmon.windowMs`, as RisPort70's are
 * configured) and answers over it with the fault a real node sends. Every request is logged as a `perfmon` event.
 */
import { randomUUID } from 'node:crypto';
import type { IServices } from 'soap';
import {
  CALLMANAGER_OBJECT,
  CSTATUS_VALID,
  PERFMON_REQUESTS_PER_MINUTE,
  REGISTERED_PHONE_COUNTERS,
  perfmonOverLimitText,
} from '../facts/perfmon';
import type { SimCluster, SimNode } from '../model';
import { SERVICE } from '../services';
import { requestUser } from './basic-auth';
import { FixedWindowLimiter } from './rate-limit';
import { SoapFaultError } from './soap-fault';
import { asArray, child, isRecord } from './xml-value';

export { PERFMON_PATH } from '../facts/perfmon';

/** The counters of the `Cisco CallManager` object this simulator keeps (the registered-device ones, and calls). */
const CALLMANAGER_COUNTERS = [...REGISTERED_PHONE_COUNTERS, 'RegisteredMGCPGateways', 'CallsActive'] as const;

interface CounterName {
  host: string;
  object: string;
  instance?: string;
  counter: string;
}

/** `\\host\Object\Counter` or `\\host\Object(instance)\Counter`. */
function parseCounterName(name: string): CounterName | undefined {
  const m = /^\\\\([^\\]+)\\([^\\(]+?)(?:\(([^)]*)\))?\\([^\\]+)$/.exec(name.trim());
  return m
    ? { host: m[1]!, object: m[2]!, ...(m[3] !== undefined ? { instance: m[3] } : {}), counter: m[4]! }
    : undefined;
}

/** A simpleContent string arrives as a string, or as an object carrying its text. */
function textOf(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (isRecord(value))
    for (const key of ['$value', '_', '#text']) if (typeof value[key] === 'string') return value[key];
  return '';
}

function clientFault(message: string): SoapFaultError {
  return new SoapFaultError('soapenv:Client', message);
}

function serverFault(message: string): SoapFaultError {
  return new SoapFaultError('soapenv:Server', message);
}

function findHost(cluster: SimCluster, host: string): SimNode | undefined {
  const wanted = host.trim().toLowerCase();
  return cluster.nodes.find((n) => [n.name, n.fqdn, n.ip].some((h) => h.toLowerCase() === wanted));
}

/** Does the node publish the `Cisco CallManager` object? Only where the CallManager service is activated (guess). */
function hasCallManagerObject(node: SimNode): boolean {
  return node.product === 'callmanager' && node.isActivated(SERVICE.callManager);
}

function counterValue(node: SimNode, counter: string): number {
  if (counter === 'RegisteredHardwarePhones') {
    // A stopped CallManager has no registered devices (guess: facts/perfmon.ts).
    if (!node.isStarted(SERVICE.callManager)) return 0;
    let n = 0;
    for (const p of node.cluster.phones.list) if (p.node === node.name && p.status === 'Registered') n += 1;
    return n;
  }
  return 0;
}

/** Resolves a counter name on this cluster; a fault for an unknown host, object or counter. */
function resolve(cluster: SimCluster, name: string): { name: string; node: SimNode; counter: string } {
  const parsed = parseCounterName(name);
  if (!parsed) throw clientFault(`Invalid counter name ${name}`);
  const node = findHost(cluster, parsed.host);
  if (!node) throw serverFault(`Host ${parsed.host} is not a node of this cluster`);
  if (parsed.object !== CALLMANAGER_OBJECT || !hasCallManagerObject(node))
    throw serverFault(`Object ${parsed.object} not found on host ${parsed.host}`);
  if (!(CALLMANAGER_COUNTERS as readonly string[]).includes(parsed.counter))
    throw serverFault(`Counter ${parsed.counter} not found in object ${parsed.object} on host ${parsed.host}`);
  return { name: name.trim(), node, counter: parsed.counter };
}

const sessions = new WeakMap<SimCluster, Map<string, Set<string>>>();
function sessionsOf(cluster: SimCluster): Map<string, Set<string>> {
  let map = sessions.get(cluster);
  if (!map) sessions.set(cluster, (map = new Map<string, Set<string>>()));
  return map;
}

const limiters = new WeakMap<SimNode, FixedWindowLimiter>();
function limiterOf(node: SimNode): FixedWindowLimiter {
  let limiter = limiters.get(node);
  if (!limiter) {
    const config = node.cluster.config.perfmon;
    limiter = new FixedWindowLimiter(
      config?.requestsPerMinute ?? PERFMON_REQUESTS_PER_MINUTE,
      config?.windowMs ?? 60_000,
    );
    limiters.set(node, limiter);
  }
  return limiter;
}

function counterNames(args: unknown): string[] {
  return asArray(child(child(args, 'ArrayOfCounter'), 'Counter')).map((c) => textOf(child(c, 'Name')));
}

function sessionOf(cluster: SimCluster, args: unknown): Set<string> {
  const handle = textOf(child(args, 'SessionHandle'));
  const session = sessionsOf(cluster).get(handle);
  if (!session) throw serverFault(`Invalid session handle ${handle}`);
  return session;
}

function values(cluster: SimCluster, names: Iterable<string>) {
  return [...names].map((name) => {
    const { node, counter } = resolve(cluster, name);
    return { Name: name, Value: counterValue(node, counter), CStatus: CSTATUS_VALID };
  });
}

/** node-soap services for PerfmonService.wsdl (service PerfmonService, port PerfmonPort). */
export function perfmonServices(node: SimNode): IServices {
  const cluster = node.cluster;
  const operations: Record<string, (args: unknown) => unknown> = {
    perfmonOpenSession: () => {
      const handle = `{${randomUUID().toUpperCase()}}`;
      sessionsOf(cluster).set(handle, new Set());
      return { perfmonOpenSessionReturn: handle };
    },
    perfmonAddCounter: (args) => {
      const session = sessionOf(cluster, args);
      // Every name is checked before any is added: a fault leaves the session as it was.
      const names = counterNames(args).map((n) => resolve(cluster, n).name);
      for (const n of names) session.add(n);
      return {};
    },
    perfmonRemoveCounter: (args) => {
      const session = sessionOf(cluster, args);
      for (const n of counterNames(args)) session.delete(n.trim());
      return {};
    },
    perfmonCollectSessionData: (args) => ({
      perfmonCollectSessionDataReturn: values(cluster, sessionOf(cluster, args)),
    }),
    perfmonCloseSession: (args) => {
      const handle = textOf(child(args, 'SessionHandle'));
      if (!sessionsOf(cluster).delete(handle)) throw serverFault(`Invalid session handle ${handle}`);
      return {};
    },
    perfmonCollectCounterData: (args) => {
      const host = textOf(child(args, 'Host'));
      const object = textOf(child(args, 'Object'));
      return {
        perfmonCollectCounterDataReturn: values(
          cluster,
          CALLMANAGER_COUNTERS.map((c) => `\\\\${host}\\${object}\\${c}`),
        ),
      };
    },
    perfmonListCounter: (args) => {
      const host = textOf(child(args, 'Host'));
      const target = findHost(cluster, host);
      if (!target) throw serverFault(`Host ${host} is not a node of this cluster`);
      return {
        perfmonListCounterReturn: hasCallManagerObject(target)
          ? [
              {
                Name: CALLMANAGER_OBJECT,
                MultiInstance: false,
                ArrayOfCounter: { item: CALLMANAGER_COUNTERS.map((c) => ({ Name: c })) },
              },
            ]
          : [{ Name: 'Processor', MultiInstance: true, ArrayOfCounter: { item: [{ Name: '% CPU Time' }] } }],
      };
    },
    perfmonListInstance: () => ({ perfmonListInstanceReturn: [] }),
    perfmonQueryCounterDescription: (args) => {
      const name = textOf(child(args, 'Counter'));
      const { counter } = resolve(cluster, name);
      return { perfmonQueryCounterDescriptionReturn: `${counter} on this node (simulated)` };
    },
  };
  const handle = (op: string, args: unknown, req: unknown) => {
    const user = requestUser(req);
    const limiter = limiterOf(node);
    if (!limiter.take()) {
      cluster.log(node, user, 'perfmon', { op, fault: 'RateControl' });
      throw new SoapFaultError('ns1:Server.RateControl', perfmonOverLimitText(limiter.limit));
    }
    if (cluster.faults.perfmonUnavailable === 'fault') {
      cluster.log(node, user, 'perfmon', { op, fault: 'unavailable' });
      throw serverFault('PerfMon is not available on this (simulated) node');
    }
    try {
      const reply = operations[op]!(args);
      cluster.log(node, user, 'perfmon', { op });
      return reply;
    } catch (err) {
      cluster.log(node, user, 'perfmon', { op, fault: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  };
  return {
    PerfmonService: {
      PerfmonPort: Object.fromEntries(
        Object.keys(operations).map((op) => [
          op,
          (args: unknown, _callback: unknown, _headers: unknown, req: unknown) => handle(op, args, req),
        ]),
      ),
    },
  };
}
