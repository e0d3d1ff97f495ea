/**
 * Discovery: what the cluster is, read from the nodes themselves (CLI over SSH) before anything changes: version,
 * nodes and roles, security mode, who signs the ITL, services per node, and each node's certificate inventory.
 */
import { X509Certificate } from 'node:crypto';
import { itlSigner, parseCucmVersion } from '../domain/cucm-version';
import { CERTIFICATE_UNITS, type CertificateUnit } from '../domain/units';
import type { ActivityContext } from './context';
import { heartbeating, isMember } from './context';
import {
  parseActiveVersion,
  parseCertificateDetails,
  parseCertificateList,
  parseNetworkCluster,
  parseServiceList,
  parseSqlTable,
  parseTrustFile,
} from './cucm/parsers';
import {
  applyDiscoveryChanges,
  changesToRead,
  type ClusterDescription,
  type ClusterDiscovery,
  type DiscoveredCertificate,
  type DiscoveredNode,
  type DiscoveryChanges,
} from '../domain/discovery';

function describeCertificate(unit: CertificateUnit, output: string): DiscoveredCertificate {
  const details = parseCertificateDetails(output);
  const x509 = details.pem ? new X509Certificate(details.pem) : undefined;
  const key = x509?.publicKey;
  return {
    unit,
    serial: details.serial,
    subject: details.subject ?? '',
    issuer: details.issuer ?? '',
    selfSigned: x509 ? x509.subject === x509.issuer : details.subject === details.issuer,
    keyType: key?.asymmetricKeyType === 'ec' ? 'EC' : 'RSA',
    keySize: key?.asymmetricKeyDetails?.modulusLength ?? (key?.asymmetricKeyType === 'ec' ? 256 : undefined),
    notAfter: details.validTo ?? '',
  };
}

/** What these activities use of the worker's shared context (and nothing else). */
type DiscoveryDeps = Pick<
  ActivityContext,
  'cluster' | 'learn' | 'learnFrom' | 'nodes' | 'publisher' | 'withCli' | 'warn'
>;

type DiscoveryChangesInput = ReturnType<typeof changesToRead>;

export function discoveryActivities(ctx: DiscoveryDeps) {
  async function readChanges(input: DiscoveryChangesInput): Promise<DiscoveryChanges> {
    const { clusterId } = input;
    const nodes = await Promise.all(
      input.nodes.map((node) =>
        ctx.withCli({ clusterId, nodeId: node.id }, async (cli) => {
          const services = parseServiceList(await cli.run('utils service list', { timeoutMs: 180_000 }));
          const certificates: DiscoveredCertificate[] = [];
          for (const unit of node.units)
            certificates.push(describeCertificate(unit, await cli.run(`show cert own ${unit}`)));
          return { id: node.id, services, certificates };
        }),
      ),
    );
    const itl = input.itl
      ? await ctx.withCli({ clusterId, nodeId: ctx.publisher(clusterId).id }, async (cli) => ({
          signerSerial: parseTrustFile(await cli.run('show itl'))?.signerSerial,
        }))
      : undefined;
    return { nodes, ...(itl ? { itl } : {}), discoveredAt: new Date().toISOString() };
  }

  return {
    /** Nodes and roles: the inventory's (publisher first), then the subscribers learned from the publisher. */
    describeCluster: async (clusterId: string): Promise<ClusterDescription> => {
      const cluster = ctx.cluster(clusterId);
      await ctx.learn(clusterId);
      return { clusterId, name: cluster.name, nodes: ctx.nodes(clusterId).map(({ id, role }) => ({ id, role })) };
    },

    discoverCluster: async (clusterId: string): Promise<ClusterDiscovery> =>
      heartbeating(async () => {
        const cluster = ctx.cluster(clusterId);
        const pub = ctx.publisher(clusterId);
        const head = await ctx.withCli({ clusterId, nodeId: pub.id }, async (cli) => ({
          version: parseActiveVersion(await cli.run('show version active')),
          members: parseNetworkCluster(await cli.run('show network cluster')),
          mode: parseSqlTable(
            await cli.run(
              "run sql select paramname,paramvalue from processconfig where paramname='ClusterSecurityMode'",
            ),
          ),
          itl: parseTrustFile(await cli.run('show itl')),
        }));
        // What the publisher prints is what the cluster is: unlisted subscribers are learned (and cached) here.
        const learned = ctx.learnFrom(clusterId, head.members);
        for (const node of cluster.nodes)
          if (!head.members.some((m) => isMember(node, m)))
            ctx.warn(
              `${clusterId}: ${node.id} is in the inventory but not in the publisher's show network cluster; discovering it anyway.`,
            );
        // One SSH session per node, all nodes at once (publisher first in the result): a discovery runs before
        // every unit of a rotation, so its length adds up.
        const nodes: DiscoveredNode[] = await Promise.all(
          ctx.nodes(clusterId).map((node) =>
            ctx.withCli({ clusterId, nodeId: node.id }, async (cli): Promise<DiscoveredNode> => {
              const services = parseServiceList(await cli.run('utils service list', { timeoutMs: 180_000 }));
              const units = parseCertificateList(await cli.run('show cert list own'))
                .map((e) => CERTIFICATE_UNITS.find((u) => u === e.unit))
                .filter((u): u is CertificateUnit => u !== undefined);
              const certificates: DiscoveredCertificate[] = [];
              for (const unit of units)
                certificates.push(describeCertificate(unit, await cli.run(`show cert own ${unit}`)));
              const member = head.members.find((m) => isMember(node, m));
              return {
                id: node.id,
                role: node.role,
                product: member?.product ?? 'callmanager',
                services,
                certificates,
              };
            }),
          ),
        );
        return {
          clusterId,
          version: head.version,
          securityMode: head.mode[0]?.paramvalue === '1' ? 1 : 0,
          itlSigner: itlSigner(parseCucmVersion(head.version)),
          itlSignerSerial: head.itl?.signerSerial,
          nodes,
          unmanagedNodes: learned.ignored,
          learnedNodes: learned.nodes.map((n) => n.id),
          ...(cluster.uccxNodes?.length ? { uccxNodes: cluster.uccxNodes.map((n) => n.id) } : {}),
          discoveredAt: new Date().toISOString(),
        };
      }),

    /**
     * What a unit changed (a rotation between two units; the rotation discovers once): every node's services (a unit
     * restarts some), the certificates of the units named per node (regenerated: new serials and dates), the ITL
     * signer's serial when asked (ITLRecovery or CallManager changed). One `utils service list` and one `show cert
     * own` per unit per node. The rotation merges it into its discovery (applyDiscoveryChanges).
     */
    readDiscoveryChanges: async (input: DiscoveryChangesInput): Promise<DiscoveryChanges> =>
      heartbeating(() => readChanges(input)),

    /** Before v1.1.0 (kept for runs recorded then): the same, taking and returning the whole discovery. */
    refreshDiscovery: async (input: {
      discovery: ClusterDiscovery;
      units: CertificateUnit[];
    }): Promise<ClusterDiscovery> =>
      heartbeating(async () =>
        applyDiscoveryChanges(input.discovery, await readChanges(changesToRead(input.discovery, input.units))),
      ),
  };
}
