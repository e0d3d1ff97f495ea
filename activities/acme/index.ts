/**
 * The ACME issuer's activities (RFC 8555, DNS-01; RFC 9773 renewal information). The CSR stays CUCM's own: the node
 * made it (per node, or the publisher's multi-server SAN CSR) and keeps its key; the order is finalized with that
 * CSR, and what comes back is the public chain, which the workflow checks with validateSignedChain as it checks a
 * chain a person posts. Arguments and results carry ids, URLs and certificates, never the account key or a TSIG
 * secret: those are resolved here from the inventory's references.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import * as acme from 'acme-client';
import forge from 'node-forge';
import { ariCertId, type AcmeRenewalReading } from '../../domain/expiry/acme-due';
import type { UnitIssuerReading } from '../../domain/expiry/due';
import { csrDistributionOf, issuerOf } from '../../domain/inventory/issuers';
import type { AcmeIssuer } from '../../domain/inventory/types';
import type { CertificateUnit } from '../../domain/units';
import { heartbeating, type ActivityContext, type NodeRef } from '../context';
import { parseCertificateDetails } from '../cucm/parsers';
import { acmeClient, ensureAccount, get, renewalInfoUrl } from './client';
import { dns01Provider, type TxtRecord } from './dns01';

export type CertificateIssuerInfo =
  { kind: 'manual' } | { kind: 'acme'; issuerId: string; directoryUrl: string; dns01: string };

export interface AcmeOrderInput {
  clusterId: string;
  unit: CertificateUnit;
  /** The node that made the CSR (the publisher for a multi-server CSR). */
  nodeId: string;
  csrPem: string;
}

export interface AcmeOrderResult {
  issuerId: string;
  orderUrl: string;
  identifiers: string[];
  /** Leaf, intermediates and root (PEM): public. */
  chainPem: string;
  /** True when a retry found the order an earlier attempt had placed and took it from where it was. */
  resumed: boolean;
}

/** The issuer of each CA-signed unit the watch asked about, with the ACME readings (domain/expiry/due.ts). */
export type AcmeRenewalUnit = UnitIssuerReading;

/** What an attempt records as it goes, so that a retry resumes the same order instead of placing another. */
interface OrderProgress {
  orderUrl?: string;
}

type AcmeDeps = Pick<ActivityContext, 'withCli' | 'cluster'>;

function acmeIssuerOf(ctx: AcmeDeps, clusterId: string, unit: CertificateUnit): AcmeIssuer {
  const found = issuerOf(ctx.cluster(clusterId), unit);
  if (found.kind !== 'acme')
    throw ApplicationFailure.nonRetryable(`${clusterId}: ${unit} has no ACME issuer in the inventory`, 'NoAcmeIssuer');
  return found.issuer;
}

/** The chain as the server sent it, completed with the issuer's roots when it stops at an intermediate. */
function completeChain(chainPem: string, issuer: AcmeIssuer): string {
  const blocks = chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const last = blocks.length ? new X509Certificate(blocks[blocks.length - 1] as string) : undefined;
  if (!last || last.checkIssued(last) || !issuer.rootsFile) return chainPem;
  const roots = readFileSync(issuer.rootsFile, 'utf8').match(
    /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
  );
  const root = roots?.find((r) => last.checkIssued(new X509Certificate(r)));
  return root ? `${blocks.join('\n')}\n${root}\n` : chainPem;
}

/** The Authority Key Identifier's keyIdentifier of a certificate, hex (node's X509Certificate does not expose it). */
function authorityKeyId(pem: string): string | undefined {
  const der = forge.pem.decode(pem)[0]?.body;
  if (!der) return undefined;
  const cert = forge.asn1.fromDer(der);
  const tbs = (cert.value as forge.asn1.Asn1[])[0];
  const extensionsTag = (tbs?.value as forge.asn1.Asn1[]).find(
    (v) => v.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && (v.type as number) === 3,
  );
  const extensions = ((extensionsTag?.value as forge.asn1.Asn1[] | undefined)?.[0]?.value ?? []) as forge.asn1.Asn1[];
  for (const ext of extensions) {
    const [oid, ...rest] = ext.value as forge.asn1.Asn1[];
    if (!oid || forge.asn1.derToOid(oid.value as string) !== '2.5.29.35') continue;
    const octets = rest[rest.length - 1]?.value as string;
    const aki = forge.asn1.fromDer(octets);
    const keyId = (aki.value as forge.asn1.Asn1[]).find(
      (v) => v.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && (v.type as number) === 0,
    );
    return keyId ? forge.util.bytesToHex(keyId.value as string) : undefined;
  }
  return undefined;
}

/**
 * Publishes every TXT record, has the CA validate each challenge, and removes the records afterwards: after a
 * failure too (RFC 8555 section 8.4 leaves cleaning up to the client).
 */
async function validateDns01(
  client: acme.Client,
  order: acme.Order,
  issuer: AcmeIssuer,
  resolveSecret: (r: string) => string,
) {
  const log = Context.current().log;
  const provider = dns01Provider(issuer.dns01, resolveSecret);
  const authorizations = (await client.getAuthorizations(order)).filter((a) => a.status !== 'valid');
  const pending: Array<{ record: TxtRecord; challenge: acme.Authorization['challenges'][number] }> = [];
  for (const authz of authorizations) {
    const challenge = authz.challenges.find((c) => c.type === 'dns-01');
    if (!challenge)
      throw ApplicationFailure.nonRetryable(
        `${issuer.directoryUrl} offers no dns-01 challenge for ${authz.identifier.value}`,
        'NoDns01Challenge',
      );
    const value = await client.getChallengeKeyAuthorization(challenge);
    pending.push({
      record: { fqdn: `_acme-challenge.${authz.identifier.value.replace(/^\*\./, '')}`, value },
      challenge,
    });
  }
  const presented: TxtRecord[] = [];
  try {
    for (const { record } of pending) {
      await provider.present(record);
      presented.push(record);
      log.info('DNS-01 TXT record added', { fqdn: record.fqdn, via: provider.description });
    }
    for (const { challenge } of pending) {
      await client.completeChallenge(challenge);
      await client.waitForValidStatus(challenge);
    }
  } finally {
    for (const record of presented) {
      await provider.cleanUp(record).then(
        () => {
          log.info('DNS-01 TXT record removed', { fqdn: record.fqdn, via: provider.description });
        },
        (err: Error) => {
          log.warn('DNS-01 TXT record not removed: remove it by hand', { fqdn: record.fqdn, error: err.message });
        },
      );
    }
  }
}

export function acmeActivities(ctx: AcmeDeps, resolveSecret: (ref: string) => string) {
  return {
    /** Where the unit's CA-signed certificate comes from: "manual" (a person posts the chain) or an ACME issuer. */
    certificateIssuer: async (input: { clusterId: string; unit: CertificateUnit }): Promise<CertificateIssuerInfo> => {
      const found = issuerOf(ctx.cluster(input.clusterId), input.unit);
      if (found.kind === 'manual') return { kind: 'manual' };
      const { issuer } = found;
      const dns01 =
        issuer.dns01.provider === 'rfc2136'
          ? `RFC 2136 (${issuer.dns01.zone} at ${issuer.dns01.server})`
          : issuer.dns01.provider;
      return { kind: 'acme', issuerId: issuer.id, directoryUrl: issuer.directoryUrl, dns01 };
    },

    /**
     * Orders the certificate for the node's CSR: new order for the CSR's DNS names, DNS-01 for each, finalize with
     * the CSR, download the chain. Resumable: the order's URL is in the heartbeat details as soon as it exists, so
     * an activity retry (a worker crash, a transient error) continues that order (valid: download; ready:
     * finalize; pending: validate) instead of placing a second one. A retry decided at the step-failed gate is a new
     * activity and places a new order (the CA issues another certificate for the same key; nothing is installed twice).
     */
    orderAcmeCertificate: async (input: AcmeOrderInput): Promise<AcmeOrderResult> => {
      const issuer = acmeIssuerOf(ctx, input.clusterId, input.unit);
      const log = Context.current().log;
      const earlier = Context.current().info.heartbeatDetails as OrderProgress | undefined;
      const progress: OrderProgress = { ...earlier };
      return heartbeating(
        async () => {
          const client = acmeClient(issuer, resolveSecret);
          await ensureAccount(client, issuer);
          const { commonName, altNames } = acme.crypto.readCsrDomains(input.csrPem);
          const identifiers = altNames.length ? [...new Set(altNames)] : [commonName];
          let order = progress.orderUrl ? await client.getOrder({ url: progress.orderUrl } as acme.Order) : undefined;
          const resumed = order !== undefined && order.status !== 'invalid';
          if (!order || order.status === 'invalid') {
            order = await client.createOrder({ identifiers: identifiers.map((value) => ({ type: 'dns', value })) });
            progress.orderUrl = order.url;
            Context.current().heartbeat(progress);
            log.info('ACME order placed', { order: order.url, identifiers, issuer: issuer.id });
          } else log.info('ACME order resumed', { order: order.url, status: order.status });
          if (order.status === 'pending') await validateDns01(client, order, issuer, resolveSecret);
          if (order.status === 'pending' || order.status === 'ready')
            order = await client.finalizeOrder(order, input.csrPem);
          const chainPem = completeChain(await client.getCertificate(order), issuer);
          return { issuerId: issuer.id, orderUrl: order.url, identifiers, chainPem, resumed };
        },
        () => progress,
      );
    },

    /**
     * For each CA-signed unit whose issuer is ACME: each node's certificate (read over SSH, show cert own) and what
     * the CA's renewalInfo (RFC 9773) says of it. A CA without ARI, or that does not know the certificate (404: not
     * one it issued), gives no window: the watch falls back to the issuer's renewAtFraction.
     */
    acmeRenewalInfo: async (input: {
      clusterId: string;
      units: Array<{ unit: CertificateUnit; nodes: string[] }>;
    }): Promise<AcmeRenewalUnit[]> => {
      const cluster = ctx.cluster(input.clusterId);
      const out: AcmeRenewalUnit[] = [];
      for (const { unit, nodes } of input.units) {
        const found = issuerOf(cluster, unit);
        if (found.kind !== 'acme') {
          out.push({ unit, kind: 'manual', csrDistribution: csrDistributionOf(cluster, unit) });
          continue;
        }
        const client = acmeClient(found.issuer, resolveSecret);
        const infoUrl = await renewalInfoUrl(client);
        const readings: AcmeRenewalReading[] = [];
        for (const node of nodes) {
          const ref: NodeRef = { clusterId: input.clusterId, nodeId: node };
          const pem = await ctx.withCli(
            ref,
            async (cli) => parseCertificateDetails(await cli.run(`show cert own ${unit}`)).pem,
          );
          if (!pem) continue;
          const cert = new X509Certificate(pem);
          const aki = authorityKeyId(pem);
          const certId = aki ? ariCertId(aki, cert.serialNumber) : '';
          const base = {
            node,
            notBefore: new Date(cert.validFrom).toISOString(),
            notAfter: new Date(cert.validTo).toISOString(),
            certId,
          };
          if (!infoUrl || !certId) {
            readings.push({
              ...base,
              note: infoUrl
                ? 'the certificate has no Authority Key Identifier'
                : `${found.issuer.id} offers no renewalInfo`,
            });
            continue;
          }
          const answer = await get(`${infoUrl.replace(/\/$/, '')}/${certId}`);
          const window = (answer.data as { suggestedWindow?: { start?: string; end?: string } } | undefined)
            ?.suggestedWindow;
          if (answer.status === 200 && window?.start && window.end)
            readings.push({
              ...base,
              window: { start: new Date(window.start).toISOString(), end: new Date(window.end).toISOString() },
            });
          else
            readings.push({
              ...base,
              note:
                answer.status === 404
                  ? `${found.issuer.id} does not know this certificate (not one it issued)`
                  : `renewalInfo answered ${answer.status}`,
            });
        }
        out.push({
          unit,
          kind: 'acme',
          issuerId: found.issuer.id,
          renewAtFraction: found.renewAtFraction,
          csrDistribution: csrDistributionOf(cluster, unit),
          readings,
        });
      }
      return out;
    },
  };
}
