/**
 * The trust-recovery plan: pure, shared by the recoverTrust workflow, which executes it, and the API, which shows it
 * as a dry run (POST /v1/clusters/{id}/trust-recovery with "dryRun": true). Sources (docs/reference/cucm-interfaces.md):
 *
 * - §1.8 (CLI reference, Utils commands): `utils itl reset localkey` is "used when endpoints are unable to validate
 *   their configuration files", runs on the publisher (privilege 4), takes the existing ITL and signs it with
 *   another key, and is pushed to every active TFTP server (Cisco's `utils itl reset` example). Security Guide: run
 *   it, `show itl` to verify, reset the phones (Enterprise Parameters, Reset), then "Restart the TFTP service and
 *   restart all devices. Restarting the TFTP service causes the ITL File to be signed by the ITLRecovery Key".
 * - §1.7: `utils ctl reset localkey` regenerates the CTL "and sign[s] it with the secondary SAST role (CallManager).
 *   Use this command when the ITLRecovery certificate that was used to sign the original CTL file has changed and
 *   the endpoints are locked out"; afterwards `utils ctl update CTLFile` again, so the file is signed by the new
 *   ITLRecovery (FN70613, CSCvv13565: the same two commands after an upgrade regenerated ITLRecovery). `utils ctl`
 *   runs on the publisher only. After a CTL change TFTP serves the new file once it has restarted (TN 118893:
 *   "Please Restart the TFTP and Cisco CallManager services").
 * - Cisco CTIManager (settled from Cisco's documents): Field Notice FN70613 ("Cisco Unified Communications Manager
 *   Secure Endpoints Might Fail to Register After a Refresh Upgrade to Version 12.5",
 *   https://www.cisco.com/c/en/us/support/docs/field-notices/706/fn70613.html), the one Cisco document that
 *   prescribes what follows `utils ctl reset localkey` and `utils ctl update CTLFile` for locked-out endpoints,
 *   says after each: "restart the Cisco CallManager and Cisco CTIManager services on all nodes", then restart the
 *   endpoints. CUCM's own message after a CTL change (TN 118893 transcripts) and the Security Guide's CTL chapter
 *   ("restart the Cisco CallManager and Cisco TFTP services ... on all nodes that run these services") name TFTP and
 *   CallManager. They do not contradict each other; the plan does the union: TFTP, then CallManager, then CTIManager,
 *   each where it is Started (TN 214231's "where started" rule; a node without CTIManager activated has nothing to
 *   restart). Runs started before this (patch trust-recovery-ctimanager) restart TFTP and CallManager only.
 *
 * So a recovery resets the phones twice: once to take the reset file the phones can still verify, once to take the
 * cluster's normal file again, which the first one taught them to trust.
 */
import { atLeast, parseCucmVersion } from '../cucm-version';
import type {
  TrustFileExpectation,
  TrustFileReading,
  TrustRecoveryPlan,
  TrustRecoveryStep,
} from '../contract/trust-recovery';
import type { PlanCluster, PlanNode } from './types';

const TFTP = 'Cisco Tftp';
const CALLMANAGER = 'Cisco CallManager';
const CTIMANAGER = 'Cisco CTIManager';
const FN70613 = 'FN70613 (https://www.cisco.com/c/en/us/support/docs/field-notices/706/fn70613.html)';

const TRUST_RECOVERY_REFUSALS = {
  noPublisher: 'no-publisher',
  noTftp: 'no-tftp',
} as const;

const started = (n: PlanNode, service: string) => n.services.some((s) => s.name === service && s.state === 'STARTED');

export function planTrustRecovery(
  cluster: PlanCluster,
  /**
   * ctiManager: restart Cisco CTIManager after each CTL change, as FN70613 asks (default). The workflow passes false
   * for a run started on code without it, so its history replays the commands it emitted.
   */
  context: { unmanagedNodes?: string[]; ctiManager?: boolean } = {},
): TrustRecoveryPlan {
  const mode = cluster.securityMode === 1 ? 'mixed' : 'non-secure';
  const publisher = cluster.nodes.find((n) => n.role === 'publisher');
  const tftp = cluster.nodes.filter((n) => n.product === 'callmanager' && started(n, TFTP)).map((n) => n.id);
  const refusals: TrustRecoveryPlan['refusals'] = [];
  const warnings: string[] = [];
  const base = {
    clusterId: cluster.clusterId,
    version: cluster.version,
    mode,
    itlSigner: cluster.itlSigner,
    ...(publisher ? { publisherId: publisher.id } : {}),
    tftpNodeIds: tftp,
  } as const;
  if (!publisher)
    refusals.push({
      code: TRUST_RECOVERY_REFUSALS.noPublisher,
      message: `No publisher was discovered on ${cluster.clusterId}: utils itl/ctl reset localkey runs on the publisher only.`,
    });
  if (tftp.length === 0)
    refusals.push({
      code: TRUST_RECOVERY_REFUSALS.noTftp,
      message: `No node of ${cluster.clusterId} has Cisco Tftp Started: the phones would download no file. Start Cisco Tftp first.`,
    });
  if (context.unmanagedNodes?.length)
    warnings.push(
      `Nodes ${context.unmanagedNodes.join(', ')} are not managed here: their TFTP, if any, is neither restarted nor checked.`,
    );
  if (!publisher || tftp.length === 0) return { ...base, steps: [], refusals, warnings };

  const pub = publisher.id;
  const restartTftp = (why: string): TrustRecoveryStep[] =>
    tftp.map((nodeId) => ({ kind: 'restart-service', nodeId, service: TFTP, reason: why }));
  // After a CTL change CUCM itself prints "Please Restart the TFTP and Cisco CallManager services on all nodes in the
  // cluster that run these services" (TN 118893's transcripts): TFTP first, so it serves the new CTL, then CallManager
  // (publisher first), which loads it for the phones' TLS; then CTIManager, which FN70613 restarts with CallManager.
  // Where a service is not Started it is not touched.
  const runningOn = (service: string) =>
    cluster.nodes.filter((n) => n.product === 'callmanager' && started(n, service)).map((n) => n.id);
  const restartEach = (service: string, why: string) =>
    runningOn(service).map((nodeId): TrustRecoveryStep => ({ kind: 'restart-service', nodeId, service, reason: why }));
  const restartAfterCtlChange = (why: string): TrustRecoveryStep[] => [
    ...restartTftp(why),
    ...restartEach(CALLMANAGER, why),
    ...(context.ctiManager === false
      ? []
      : restartEach(
          CTIMANAGER,
          `${FN70613}: after utils ctl reset localkey and after utils ctl update CTLFile, "restart the Cisco CallManager and Cisco CTIManager services on all nodes" (here: where CTIManager is Started).`,
        )),
  ];
  const phoneRound = (round: number, why: string): TrustRecoveryStep[] => [
    { kind: 'reset-phones', mode: 'all', round, reason: why },
    {
      kind: 'await-registration',
      round,
      reason:
        'Wait until every phone RisPort70 lists (those registered before and those locked out) is registered; phones still missing at the deadline stop at the accept-missing-phones gate.',
    },
  ];
  const steps: TrustRecoveryStep[] = [];
  if (mode === 'non-secure') {
    steps.push(
      {
        kind: 'reset-trust-file',
        file: 'ITL',
        nodeId: pub,
        command: 'utils itl reset localkey',
        reason:
          'CLI reference (Utils): utils itl reset localkey, on the publisher, re-signs the existing ITL with the local key and transfers it to every active TFTP server, for endpoints that cannot validate their files.',
      },
      {
        kind: 'verify-trust-file',
        file: 'ITL',
        nodeIds: tftp,
        expect: 'changed',
        reason: 'Security Guide: show itl to verify. Each TFTP node must serve a new ITL (its checksum changes).',
      },
      ...phoneRound(
        1,
        'Security Guide: reset the phones (Enterprise Parameters, Reset) so they download the reset ITL, which they can verify.',
      ),
      ...restartTftp(
        'Security Guide: "Restarting the TFTP service causes the ITL File to be signed by the ITLRecovery Key": the cluster serves its normal ITL again.',
      ),
      {
        kind: 'verify-trust-file',
        file: 'ITL',
        nodeIds: tftp,
        expect: 'normal-signer',
        reason: `show itl: the ITL is signed by ${cluster.itlSigner} again, as TN 214231 says for CUCM ${cluster.version}.`,
      },
      ...phoneRound(
        2,
        'Security Guide: "restart all devices", so the phones take the normal ITL (the reset ITL lists its signer).',
      ),
    );
  } else {
    if (!atLeast(parseCucmVersion(cluster.version), 12))
      warnings.push(
        `Before 12.0 the CTL is signed by the publisher's CallManager certificate already (TN 118893): utils ctl reset localkey helps only where the CTL's signer changed.`,
      );
    warnings.push(
      'Mixed mode: the ITL is not reset; the phones verify it with the CTL they take in the first round (it lists the ITLRecovery certificate).',
    );
    steps.push(
      {
        kind: 'reset-trust-file',
        file: 'CTL',
        nodeId: pub,
        command: 'utils ctl reset localkey',
        reason:
          'CLI reference (Utils): utils ctl reset localkey regenerates the CTL and signs it with the secondary SAST (CallManager), for endpoints locked out after the ITLRecovery certificate that signed the CTL changed (FN70613).',
      },
      {
        kind: 'verify-trust-file',
        file: 'CTL',
        nodeIds: [pub],
        expect: 'signed-by-callmanager',
        reason: "show ctl on the publisher: the CTL is signed by the publisher's CallManager certificate.",
      },
      ...restartAfterCtlChange(
        `TN 118893 (CUCM's own message) and ${FN70613}: after a CTL change, restart TFTP and Cisco CallManager where they run, so both use the new CTL.`,
      ),
      ...phoneRound(1, 'Reset the phones so they download the CTL signed by CallManager, which they still trust.'),
      {
        kind: 'update-ctl',
        nodeId: pub,
        reason:
          'CLI reference and FN70613: after utils ctl reset localkey, run utils ctl update CTLFile again so the CTL is signed by the current ITLRecovery (12.5+: tokenless, no USB tokens).',
      },
      {
        kind: 'verify-trust-file',
        file: 'CTL',
        nodeIds: [pub],
        expect: 'normal-signer',
        reason: 'show ctl: the CTL is signed by its usual signer again (TN 214231: ITLRecovery from 12.0).',
      },
      ...restartAfterCtlChange(
        `TN 118893 (CUCM's own message) and ${FN70613}: after utils ctl update CTLFile, restart TFTP and Cisco CallManager where they run.`,
      ),
      ...phoneRound(2, 'Reset the phones again so they take the updated CTL.'),
    );
  }
  return { ...base, steps, refusals, warnings };
}

/** The CTL's usual signer (TN 214231: ITLRecovery from 12.0 in mixed mode; before, the publisher's CallManager). */
export function ctlNormalSigner(version: string): 'CallManager' | 'ITLRecovery' {
  return atLeast(parseCucmVersion(version), 12) ? 'ITLRecovery' : 'CallManager';
}

/** Serials compare as hex numbers: no separators, upper case, no leading zeros. */
const normal = (serial: string) =>
  serial
    .replace(/[^0-9a-f]/gi, '')
    .toUpperCase()
    .replace(/^0+(?=.)/, '');

/**
 * Whether a `show itl` / `show ctl` reading is what the step expects: undefined when it is, else the problem in an
 * engineer's words. `before` is the same node's reading before the reset; `signerSerial` the certificate that must
 * sign the file (for signed-by-callmanager and normal-signer).
 */
export function judgeTrustFile(
  reading: TrustFileReading,
  expect: TrustFileExpectation,
  context: { before?: TrustFileReading; signerSerial?: string; signerUnit?: string },
): string | undefined {
  const where = `the ${reading.file} on ${reading.nodeId}`;
  if (!reading.found) return `${where} was not found`;
  if (reading.records === 0) return `${where} lists no record`;
  if (expect === 'changed') {
    const before = context.before;
    if (!before?.found) return undefined;
    const same = (before.sha1 && before.sha1 === reading.sha1) || (!before.sha1 && before.md5 === reading.md5);
    return same
      ? `${where} is unchanged (checksum ${reading.sha1 ?? reading.md5}): the reset did not reach it`
      : undefined;
  }
  if (!context.signerSerial)
    return `no ${context.signerUnit ?? 'signer'} certificate was discovered to check ${where} against`;
  if (!reading.signerSerial) return `${where}: no signer in its header, so not verified`;
  if (normal(reading.signerSerial) !== normal(context.signerSerial))
    return `${where} is signed by serial ${reading.signerSerial}, not by ${context.signerUnit ?? 'the expected'} certificate ${context.signerSerial}`;
  return undefined;
}

/** What is left to do by hand when a recovery ends before `next` (the index of the first step not done). */
export function trustRecoveryManualActions(
  plan: TrustRecoveryPlan | undefined,
  next: number,
  missingPhones?: { count: number; sample: string[] },
): string[] {
  if (!plan || next <= 0)
    return ['Nothing was changed on the cluster by the trust recovery: no manual action is needed.'];
  const left = plan.steps.slice(next);
  const actions = left.map((s) => {
    switch (s.kind) {
      case 'reset-trust-file':
        return `Run ${s.command} on ${s.nodeId}.`;
      case 'verify-trust-file':
        return `Check the ${s.file} (show ${s.file.toLowerCase()}) on ${s.nodeIds.join(', ')}.`;
      case 'restart-service':
        return `Restart ${s.service} on ${s.nodeId}.`;
      case 'update-ctl':
        return `Run utils ctl update CTLFile on ${s.nodeId}.`;
      case 'reset-phones':
        return `Reset every phone (round ${s.round}: Enterprise Parameters, Reset).`;
      case 'await-registration':
        return `Check that every phone registers again (round ${s.round}).`;
    }
  });
  if (left.some((s) => s.kind === 'restart-service' && s.service === 'Cisco Tftp') && plan.mode === 'non-secure')
    actions.unshift(
      'The TFTP servers may still serve the reset ITL: restart Cisco Tftp on every TFTP node so they serve the normal ITL again, then reset the phones.',
    );
  if (missingPhones?.count)
    actions.push(
      `${missingPhones.count} phones were still not registered at the last check (${missingPhones.sample.slice(0, 10).join(', ')}): a phone whose own ITL is corrupt needs its ITL deleted on the phone (or a factory reset).`,
    );
  return actions;
}
