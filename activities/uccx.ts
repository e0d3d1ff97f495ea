/**
 * Unified CCX activities (TN 214231, tomcat section, step 5): after tomcat or tomcat-ECDSA changed on CUCM, each UCCX
 * node that trusts the cluster must hold the new certificates in its tomcat-trust, or Finesse desktop logins fail.
 * UCCX runs the same VOS platform CLI as CUCM: `set cert import trust tomcat` with the PEM pasted, `show cert list
 * trust`, `show cert trust tomcat-trust/<file>`, `utils service list|restart` (sources in docs/uccx.md).
 *
 * Each activity is idempotent: the upload skips what UCCX's tomcat-trust already holds (by serial, read from the
 * certificates themselves, never from the file names), the restart is safe to repeat, the verification only reads.
 */
import { X509Certificate } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { CertificateUnit } from '../domain/units';
import { heartbeating, type ActivityContext, type UccxRef } from './context';
import type { CliCommands } from './cucm/cli';
import { lastReportedState, parseCertificateDetails, parseCertificateList, parseServiceList } from './cucm/parsers';

/** One certificate as it went into (or was found in) a UCCX node's tomcat-trust. */
export interface UccxTrustCertificate {
  serial: string;
  sha256: string;
  subject: string;
  /** The CUCM node it came from, or "CA chain" for a CA-signed unit's root and intermediates. */
  from: string;
}

export interface UccxUploadResult {
  imported: UccxTrustCertificate[];
  /** Already in tomcat-trust (an earlier attempt, or an engineer, put them there). */
  present: UccxTrustCertificate[];
}

export interface UccxRestartResult {
  restarted: string[];
  /** Not Started (or not on this node), so not restarted, with the state seen. */
  notRestarted: string[];
}

export interface UccxVerifyResult {
  ok: boolean;
  /** Per expected serial: the tomcat-trust file that holds it. */
  found: Array<{ serial: string; file: string }>;
  missing: string[];
}

/** The serials (upper-case hex) of every certificate in the node's tomcat-trust, read certificate by certificate. */
async function tomcatTrust(cli: CliCommands): Promise<Map<string, string>> {
  const bySerial = new Map<string, string>();
  for (const entry of parseCertificateList(await cli.run('show cert list trust')).filter(
    (e) => e.unit === 'tomcat-trust',
  )) {
    const details = parseCertificateDetails(await cli.run(`show cert trust tomcat-trust/${entry.file}`));
    bySerial.set(details.serial.toUpperCase(), entry.file);
  }
  return bySerial;
}

function describe(pem: string, from: string): UccxTrustCertificate & { pem: string } {
  const cert = new X509Certificate(pem);
  return {
    serial: cert.serialNumber.toUpperCase(),
    sha256: cert.fingerprint256,
    subject: cert.subject.replace(/\n/g, ', '),
    from,
    pem: cert.toString(),
  };
}

/** What these activities use of the worker's shared context (and nothing else). */
type UccxDeps = Pick<ActivityContext, 'withCli' | 'withUccxCli'>;

export function uccxActivities(ctx: UccxDeps) {
  return {
    /**
     * Imports into the UCCX node's tomcat-trust the unit's current certificate of each of `cucmNodeIds` (read with
     * `show cert own <unit>` on that CUCM node), or, for a CA-signed unit, `caPems` (its root and intermediates).
     */
    uploadUccxTomcatTrust: async (
      input: UccxRef & { unit: CertificateUnit; cucmNodeIds: string[]; caPems?: string[] },
    ): Promise<UccxUploadResult> =>
      heartbeating(async () => {
        const wanted: Array<ReturnType<typeof describe>> = [];
        if (input.caPems && input.caPems.length > 0) {
          for (const pem of input.caPems) wanted.push(describe(pem, 'CA chain'));
        } else {
          for (const nodeId of input.cucmNodeIds) {
            const own = parseCertificateDetails(
              await ctx.withCli({ clusterId: input.clusterId, nodeId }, (cli) =>
                cli.run(`show cert own ${input.unit}`),
              ),
            );
            if (!own.pem)
              throw ApplicationFailure.create({
                type: 'NoCertificatePem',
                message: `${nodeId}: show cert own ${input.unit} printed no PEM to upload to UCCX ${input.uccxNodeId}.`,
              });
            wanted.push(describe(own.pem, nodeId));
          }
        }
        const unique = wanted.filter((w, i) => wanted.findIndex((o) => o.serial === w.serial) === i);
        return ctx.withUccxCli(input, async (cli) => {
          const held = await tomcatTrust(cli);
          const result: UccxUploadResult = { imported: [], present: [] };
          for (const { pem, ...cert } of unique) {
            if (held.has(cert.serial)) {
              result.present.push(cert);
              continue;
            }
            // tomcat-ECDSA's certificates are trusted in tomcat-trust as well: the import names the tomcat unit.
            await cli.run('set cert import trust tomcat', { paste: pem, confirm: true, timeoutMs: 120_000 });
            result.imported.push(cert);
          }
          return result;
        });
      }),

    /** Restarts each of `services` on the UCCX node where `utils service list` shows it Started, in order. */
    restartUccxServices: async (input: UccxRef & { services: string[] }): Promise<UccxRestartResult> =>
      ctx.withUccxCli(input, (cli) =>
        heartbeating(async () => {
          const listed = parseServiceList(await cli.run('utils service list'));
          const result: UccxRestartResult = { restarted: [], notRestarted: [] };
          for (const service of input.services) {
            const state = listed.find((s) => s.name === service);
            if (state?.state !== 'STARTED') {
              result.notRestarted.push(
                `${service} (${state ? `${state.state}${state.reason ? `, ${state.reason}` : ''}` : 'not on this node'})`,
              );
              continue;
            }
            const output = await cli.run(`utils service restart ${service}`, { confirm: true, timeoutMs: 20 * 60_000 });
            const after = lastReportedState(output, service);
            if (after !== undefined && after !== 'STARTED')
              throw ApplicationFailure.create({
                type: 'RestartFailed',
                message: `UCCX ${input.uccxNodeId}: ${service} is ${after} after utils service restart.`,
              });
            result.restarted.push(service);
          }
          return result;
        }),
      ),

    /** Every serial is in the UCCX node's tomcat-trust (each trust certificate read and its serial compared). */
    verifyUccxTomcatTrust: async (input: UccxRef & { serials: string[] }): Promise<UccxVerifyResult> =>
      ctx.withUccxCli(input, async (cli) => {
        const held = await tomcatTrust(cli);
        const found: UccxVerifyResult['found'] = [];
        const missing: string[] = [];
        for (const serial of input.serials.map((s) => s.toUpperCase())) {
          const file = held.get(serial);
          if (file) found.push({ serial, file });
          else missing.push(serial);
        }
        return { ok: missing.length === 0 && found.length > 0, found, missing };
      }),
  };
}
