/**
 * The simulator's control and inspection API (HTTP on loopback), for tests that run it as a separate process,
 * demos and external checks: clusters and nodes as the simulator sees them, the ordered event log, phone
 * registration counts, bulk phone reset (CUCM's GUI "Reset"), and fault injection.
 */
import { X509Certificate } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { RunningSimulator } from './cluster-runner';
import type { FaultSpec, SimCluster } from './model';

const FAULT_KINDS = [
  'node-down',
  'ssh-drop',
  'slow',
  'restart-fails-once',
  'axl-503',
  'axl-fault',
  'risport-over-limit',
  'perfmon-unavailable',
  'phones-never-return',
  'replication-broken',
];

export async function startControlApi(
  sim: RunningSimulator,
  options: { host: string; port: number },
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  const clusterOf = (id: string): SimCluster => {
    const cluster = sim.clusters.find((c) => c.config.id === id);
    if (!cluster) throw Object.assign(new Error(`No simulated cluster "${id}"`), { statusCode: 404 });
    return cluster;
  };

  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/clusters', () => sim.endpoints);

  app.get<{ Params: { id: string; node: string } }>('/clusters/:id/nodes/:node', (request) => {
    const node = clusterOf(request.params.id).node(request.params.node);
    return {
      name: node.name,
      role: node.role,
      product: node.product,
      certificates: Object.fromEntries(
        [...node.certificates].map(([unit, c]) => [
          unit,
          {
            serial: c.serial,
            issuer: c.issuer,
            validTo: c.validTo,
            active: node.activeCertificate(unit).serial,
            // What `show cert own <unit>` would let an engineer compute from the PEM.
            ...(c.pem ? { sha256: new X509Certificate(c.pem).fingerprint256 } : {}),
          },
        ]),
      ),
      services: [...node.services.values()],
      trust: Object.fromEntries(
        [...node.trust].map(([store, entries]) => [
          store,
          entries.map((e) => ({
            filename: e.filename,
            serial: e.cert.serial,
            sha256: new X509Certificate(e.cert.pem).fingerprint256,
            validTo: e.cert.validTo,
          })),
        ]),
      ),
      itl: node.servedItl && { signer: node.servedItl.signer, records: node.servedItl.records.length },
      ctl: node.servedCtl && { signer: node.servedCtl.signer, records: node.servedCtl.records.length },
      // UCCX: the tomcat-trust serials each service read when it last started.
      ...(node.loadedTrust.size ? { loadedTrust: Object.fromEntries(node.loadedTrust) } : {}),
    };
  });

  // `wait` (ms, up to 30 s): hold the answer until an event after `since` matches, so a watcher learns of it at once
  // (a test that must act the moment a command lands, e.g. kill a worker, without polling).
  app.get<{ Params: { id: string }; Querystring: { since?: string; kind?: string; node?: string; wait?: string } }>(
    '/clusters/:id/events',
    async (request) => {
      const { since, kind, node, wait } = request.query;
      const log = clusterOf(request.params.id).events;
      const filter = { since: since ? Number(since) : undefined, kind, node };
      const deadline = Date.now() + Math.min(Number(wait) || 0, 30_000);
      let events = log.list(filter);
      while (events.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        events = log.list(filter);
      }
      return events;
    },
  );

  // `?list=all` adds every phone (name, node, model, secure, status, resets): what CM Administration's Find and List
  // Phones and its security profiles would show an engineer; off by default (40,000 phones).
  app.get<{ Params: { id: string }; Querystring: { list?: string } }>('/clusters/:id/phones', (request) => {
    const cluster = clusterOf(request.params.id);
    const phones = cluster.phones;
    return {
      ...(request.query.list === 'all'
        ? {
            list: phones.list.map((p) => ({
              name: p.name,
              node: p.node,
              model: p.product,
              secure: p.secure,
              status: p.status,
              resets: p.resets,
            })),
          }
        : {}),
      counts: phones.counts(),
      // Reset and not settled yet (neither re-registered nor refused): a test waits for 0 instead of sleeping.
      pending: phones.list.filter((p) => p.pending || p.dropping).length,
      notRegistered: phones.list
        .filter((p) => p.status !== 'Registered')
        .slice(0, 100)
        .map((p) => ({ name: p.name, node: p.node, status: p.status, reason: p.reason })),
      // The simulator's own witness: phones that were ever left with no CallManager of their group running.
      noCallManager: {
        count: cluster.callManagerGroups.stranded.size,
        phones: [...cluster.callManagerGroups.stranded.values()].slice(0, 100),
      },
    };
  });

  app.post<{ Params: { id: string } }>('/clusters/:id/phones/reset', (request) => {
    const cluster = clusterOf(request.params.id);
    for (const phone of cluster.phones.list) cluster.phones.reset(phone, 'control');
    return { reset: cluster.phones.list.length };
  });

  // A phone switched off (or unplugged) since `since` (epoch seconds): RisPort70 lists it UnRegistered with that
  // TimeStamp, and it ignores resets until it is switched on again (`offline: false`, it then registers as usual).
  app.post<{ Params: { id: string; name: string }; Body: { offline: boolean; since?: number } }>(
    '/clusters/:id/phones/:name/power',
    {
      schema: {
        body: {
          type: 'object',
          required: ['offline'],
          additionalProperties: false,
          properties: { offline: { type: 'boolean' }, since: { type: 'integer', minimum: 0 } },
        },
      },
    },
    (request) => {
      const cluster = clusterOf(request.params.id);
      const phone = cluster.phones.get(request.params.name);
      if (!phone)
        throw Object.assign(new Error(`No phone "${request.params.name}" in ${request.params.id}`), {
          statusCode: 404,
        });
      cluster.phones.setPower(phone, request.body.offline, request.body.since);
      return { name: phone.name, status: phone.status, timestamp: phone.timestamp };
    },
  );

  app.post<{ Params: { id: string }; Body: FaultSpec }>(
    '/clusters/:id/faults',
    {
      schema: {
        body: { type: 'object', required: ['kind'], properties: { kind: { type: 'string', enum: FAULT_KINDS } } },
      },
    },
    (request) => {
      clusterOf(request.params.id).injectFault(request.body);
      return { injected: request.body };
    },
  );

  await app.listen({ host: options.host, port: options.port });
  return app;
}
