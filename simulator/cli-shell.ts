/**
 * One interactive CUCM OS CLI session (`admin:` prompt), fed by the SSH channel. Formats follow the transcripts in
 * docs/reference/cucm-interfaces.md §1: banner and start-up delay, automatic pagination on by default
 * with the real pager prompt, confirmations in their real styles (`(yes|no)?`, `(y/n):`), `<Service>[STATE]` lines,
 * `run sql` tables. Wrong nodes answer as CUCM does: publisher-only commands are disabled elsewhere.
 */
import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { CERTIFICATE_UNITS, certListOwnOrder, generatedOnNode, trustStoreOf, type CertificateUnit } from './facts';
import { describeCertificate, type SimCertificate } from './certificates';
import { formatCliDate as formatDate } from './cli-date';
import type { SimNode } from './model';
import { formatTrustFile } from './trust-files';

// No trailing space: Cisco's Command Line Interface Reference Guide for Cisco Unified Communications Solutions shows
// typed input right after it (`admin:set cert regen tomcat`), and paramiko-expect scripts run against real nodes wait
// for a buffer ending in `admin:` (e.g. ludesdeveloper/compnet_netoprmgr_dm, device_templates/cisco/cucm.py).
const PROMPT = 'admin:';
const PAGER = '\x1b[1mPress <enter> for 1 line, <space> for one page, or <q> to quit\x1b[0m\x1b[K';
const PAGE_SIZE = 20;

/** A command failure as CUCM prints it: "Executed command unsuccessfully" then the reason. */
class CommandError extends Error {}

function sqlTable(columns: string[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join(' ')
      .trimEnd();
  return [line(columns), widths.map((w) => '='.repeat(w)).join(' '), ...rows.map(line)].join('\n');
}

export class CliShell {
  private line = '';
  /**
   * What the user typed that the CLI has not read yet. A real terminal buffers typed-ahead input: keys sent while a
   * command runs (or before the first prompt) wait in the tty and are read, echoed and run in order once the CLI
   * reads again (at its next prompt, question or pager prompt).
   */
  private typedAhead = '';
  private lastWasCr = false;
  private pagination = true;
  private busy = false;
  private pendingAnswer: ((answer: string) => void) | undefined;
  private pagerKey: ((key: string) => void) | undefined;

  constructor(
    private readonly node: SimNode,
    private readonly user: string,
    private readonly writeRaw: (text: string) => void,
    private readonly end: () => void,
    /** Drops the SSH connection (fault injection: a drop in the middle of a command). */
    private readonly drop: () => void,
  ) {}

  private get cluster() {
    return this.node.cluster;
  }

  /** Every line the CLI prints ends with CR LF, as on a real terminal (whatever the text's own line endings). */
  private write(text: string): void {
    this.writeRaw(text.replace(/\r?\n/g, '\r\n'));
  }

  /** `kind`: what the node is busy with; "cli" is the CLI's own start-up and command latency (benches tell them apart). */
  private sleep(realMs: number, kind = 'cli'): Promise<void> {
    return this.cluster.clock.sleep(realMs * this.cluster.faults.slowFactor, kind);
  }

  /** Login banner, then the first prompt after the CLI's start-up delay (about 8 s on a real node). */
  async start(): Promise<void> {
    this.busy = true;
    this.write('Command Line Interface is starting up, please wait ...\r\n\r\n');
    await this.sleep(6000);
    this.write(
      '   Welcome to the Platform Command Line Interface\r\n\r\nVMware Installation:\r\n  2 vCPU: Intel(R) Xeon(R) CPU E5-2643 0 @ 3.30GHz\r\n  Disk 1: 110GB, Partitions aligned\r\n  8192 Mbytes RAM\r\n\r\n',
    );
    await this.sleep(2000);
    this.busy = false;
    this.write(PROMPT);
    this.readTypedAhead();
  }

  input(data: string): void {
    this.typedAhead += data;
    this.readTypedAhead();
  }

  /** The CLI reads input only at its prompt, a question or the pager; the rest waits, as in a terminal. */
  private reading(): boolean {
    return !this.busy || this.pendingAnswer !== undefined || this.pagerKey !== undefined;
  }

  private readTypedAhead(): void {
    while (this.typedAhead !== '' && this.reading()) {
      const ch = String.fromCodePoint(this.typedAhead.codePointAt(0)!);
      this.typedAhead = this.typedAhead.slice(ch.length);
      this.key(ch);
    }
  }

  private key(ch: string): void {
    if (this.pagerKey) {
      this.pagerKey(ch);
      return;
    }
    if (ch === '\r' || ch === '\n') {
      // A CR LF pair is one Enter.
      if (ch === '\n' && this.lastWasCr) {
        this.lastWasCr = false;
        return;
      }
      this.lastWasCr = ch === '\r';
      const line = this.line;
      this.line = '';
      this.write('\r\n');
      if (this.pendingAnswer) this.pendingAnswer(line);
      else if (!this.busy) void this.execute(line.trim());
      return;
    }
    this.lastWasCr = false;
    if (ch === '\x7f' || ch === '\b') {
      this.line = this.line.slice(0, -1);
      return;
    }
    this.line += ch;
    this.write(ch); // PTY echo
  }

  private ask(question: string): Promise<string> {
    this.write(question);
    const answer = new Promise<string>((resolve) => {
      this.pendingAnswer = (text) => {
        this.pendingAnswer = undefined;
        resolve(text.trim());
      };
    });
    this.readTypedAhead();
    return answer;
  }

  /** Reads pasted lines until one matches `last` (certificate paste). */
  private readUntil(last: RegExp): Promise<string> {
    const lines: string[] = [];
    const pasted = new Promise<string>((resolve) => {
      this.pendingAnswer = (answer) => {
        lines.push(answer);
        if (last.test(answer)) {
          this.pendingAnswer = undefined;
          resolve(lines.join('\n'));
        }
      };
    });
    this.readTypedAhead();
    return pasted;
  }

  /** Prints output, page by page while automatic pagination is on. */
  private async print(text: string): Promise<void> {
    const lines = text.split('\n');
    let budget = PAGE_SIZE;
    for (const line of lines) {
      if (this.pagination && budget === 0) {
        this.write(PAGER);
        const key = await new Promise<string>((resolve) => {
          this.pagerKey = (k) => {
            this.pagerKey = undefined;
            resolve(k);
          };
          this.readTypedAhead();
        });
        if (key === 'q') break;
        budget = key === ' ' ? PAGE_SIZE : 1;
      }
      this.write(`${line}\r\n`);
      budget -= 1;
    }
  }

  private async execute(command: string): Promise<void> {
    if (command === '') {
      this.write(PROMPT);
      return;
    }
    this.busy = true;
    this.cluster.log(this.node, this.user, 'cli-command', { command });
    if (command === 'exit' || command === 'quit') {
      this.end();
      return;
    }
    try {
      const output = await this.dispatch(command);
      if (this.cluster.faults.takeSshDrop(this.node.name, command)) {
        this.cluster.log(this.node, this.user, 'ssh-dropped', { command });
        this.drop();
        return;
      }
      await this.print(output);
    } catch (err) {
      await this.print(`Executed command unsuccessfully\n${(err as Error).message}`);
    }
    this.busy = false;
    this.write(PROMPT);
    this.readTypedAhead();
  }

  private async dispatch(command: string): Promise<string> {
    const words = command.split(/\s+/);
    const rest = (n: number) => words.slice(n).join(' ');
    const is = (...prefix: string[]) => prefix.every((w, i) => words[i]?.toLowerCase() === w.toLowerCase());

    if (is('set', 'cli', 'pagination')) {
      const mode = words[3]?.toLowerCase();
      if (mode !== 'on' && mode !== 'off') throw new CommandError('Invalid command: set cli pagination {on|off}');
      this.pagination = mode === 'on';
      return `Automatic pagination is turned ${mode}`;
    }
    if (is('show', 'version', 'active'))
      return `Active Master Version: ${this.node.version}\nActive Version Installed Software Options:\nNo Installed Software Options Found.`;
    if (is('show', 'network', 'cluster')) return this.showNetworkCluster();
    if (is('show', 'cert', 'list')) return this.showCertList(words[3]);
    if (is('show', 'cert', 'own')) return this.showCert(this.node.certificate(this.unit(rest(3).split('/')[0] ?? '')));
    if (is('show', 'cert', 'trust')) return this.showCert(this.trustEntry(rest(3)).cert);
    if (is('set', 'cert', 'regen')) return this.regenerate(this.unit(rest(3)));
    if (is('set', 'cert', 'delete')) return this.deleteTrust(words[3] ?? '', words[4] ?? '');
    if (is('set', 'csr', 'gen')) return this.generateCsr(this.unit(rest(3)));
    if (is('show', 'csr', 'own')) return this.showCsr(this.unit(rest(3).split('/')[0] ?? ''));
    if (is('set', 'cert', 'import')) return this.importCertificate(words[3] ?? '', words[4] ?? '');
    if (is('utils', 'service', 'list')) return this.serviceList();
    if (is('utils', 'service', 'restart')) return this.controlService('restart', rest(3));
    if (is('utils', 'service', 'start')) return this.controlService('start', rest(3));
    if (is('utils', 'service', 'stop')) return this.controlService('stop', rest(3));
    if (is('utils', 'ctl', 'update', 'ctlfile')) return this.updateCtl();
    // The CTL file on disk (`utils ctl update` rewrites it at once); TFTP serves it to phones after its restart.
    if (is('show', 'ctl')) return formatTrustFile(this.cluster.ctlFile, 'CTL');
    if (is('show', 'itl')) return formatTrustFile(this.node.servedItl, 'ITL');
    if (is('utils', 'itl', 'reset', 'localkey')) return this.itlReset();
    if (is('utils', 'ctl', 'reset', 'localkey')) return this.ctlReset();
    if (is('utils', 'dbreplication', 'runtimestate')) return this.replicationState();
    if (is('run', 'sql')) return this.runSql(rest(2));
    throw new CommandError(`Invalid command: ${command}`);
  }

  private requirePublisher(): void {
    if (this.node.role !== 'publisher')
      throw new CommandError('This command is disabled on this node: it can only be executed on the publisher.');
  }

  private unit(name: string): CertificateUnit {
    const unit = CERTIFICATE_UNITS.find((u) => u.toLowerCase() === name.toLowerCase());
    if (!unit || !this.node.certificates.has(unit)) throw new CommandError(`Invalid unit name: ${name}`);
    return unit;
  }

  private trustEntry(path: string) {
    const [store, file] = path.split('/');
    const entry = this.node.trust.get(store ?? '')?.find((e) => e.filename === file);
    if (!entry) throw new CommandError(`Certificate not found: ${path}`);
    return entry;
  }

  /**
   * `<ip> <fqdn> <host> <Publisher|Subscriber> <product> <DBPub|DBSub> authenticated [using TCP since <date>]` per node
   * (Cisco guide examples). The publisher then lists its processnode table, one name per line, under
   * `Server Table (processnode) Entries` (Cisco TN 215013, "Perform a Health Check of CUCM Database Replication",
   * 10.5: "The output from the publisher contains processnode table entries", a subscriber's does not; a CUCM 15
   * publisher's in calltelemetry/cisco-cucm-mcp test/cli-tools.test.ts). The names are the processnode table's, as
   * `run sql select name from processnode` prints them, without EnterpriseWideData.
   */
  private showNetworkCluster(): string {
    // A UCCX node is not a member of the CUCM cluster: it lists itself (layout as CUCM's, product uccx: guess).
    if (this.node.product === 'uccx')
      return `${this.node.ip} ${this.node.fqdn} ${this.node.name} Publisher uccx DBPub authenticated\n\nSuccessful`;
    const lines = this.cluster.nodes.map(
      (n) =>
        `${n.ip} ${n.fqdn} ${n.name} ${n.role === 'publisher' ? 'Publisher' : 'Subscriber'} ${n.product} ${n.role === 'publisher' ? 'DBPub' : 'DBSub'} authenticated${n === this.node ? '' : ` using TCP since ${formatDate(new Date(Date.now() - 86_400_000))}`}`,
    );
    if (this.node.role !== 'publisher') return lines.join('\n');
    const processNodes = this.processNodeNames().slice(1);
    return [...lines, '', 'Server Table (processnode) Entries', '-'.repeat(34), ...processNodes].join('\n');
  }

  /** The processnode table's names in nodeid order: EnterpriseWideData, then each member node as configured. */
  private processNodeNames(): string[] {
    return ['EnterpriseWideData', ...this.cluster.nodes.map((n) => n.fqdn)];
  }

  private showCertList(kind: string | undefined): string {
    if (kind === 'own') {
      // In the release's listing order, not the order the node generated its keys in (facts/units.ts).
      return certListOwnOrder(this.cluster.version, this.node.certificates.keys())
        .map((unit) => [unit, this.node.certificate(unit)] as const)
        .map(
          ([unit, cert]) =>
            `${unit}/${unit}.pem: ${cert.selfSigned ? 'Self-signed certificate generated by system' : `Certificate Signed by ${cert.issuer.split(', ')[0]?.replace('CN=', '')}`}`,
        )
        .join('\n');
    }
    if (kind === 'trust') {
      const lines: string[] = [];
      for (const [store, entries] of this.node.trust)
        // Guess: the description of a trust file is not in a public transcript (reference 1.3, Gaps 3).
        for (const e of entries) lines.push(`${store}/${e.filename}: Trust Certificate`);
      return lines.join('\n');
    }
    throw new CommandError('Invalid command: show cert list {own|trust}');
  }

  private showCert(cert: SimCertificate): string {
    return [
      `[`,
      `  Version: V3`,
      `  Serial Number: ${cert.serial}`,
      `  SignatureAlgorithm: ${cert.keyType === 'EC' && cert.selfSigned ? 'SHA256withECDSA (1.2.840.10045.4.3.2)' : 'SHA256withRSA (1.2.840.113549.1.1.11)'}`,
      `  Issuer Name: ${cert.issuer}`,
      `  Validity From: ${formatDate(cert.validFrom)}`,
      `           To:   ${formatDate(cert.validTo)}`,
      `  Subject Name: ${cert.subject}`,
      `  Key: ${cert.keyType === 'EC' ? 'EC (1.2.840.10045.2.1)' : 'RSA (1.2.840.113549.1.1.1)'}`,
      `    Key value: ${cert.keySize} bits`,
      `]`,
      cert.pem.trim().replace(/\r/g, ''),
    ].join('\n');
  }

  private async regenerate(unit: CertificateUnit): Promise<string> {
    // The node must generate the unit itself (facts/units.ts: ITLRecovery is the publisher's alone from 12.5).
    if (!generatedOnNode(this.cluster.version, this.node.role, this.node.product).includes(unit)) {
      throw new CommandError(
        `${unit} is generated by the publisher: this command can only be executed on the publisher.`,
      );
    }
    const warning =
      unit === 'ITLRecovery'
        ? 'WARNING: If you are using a tokenless CTL and if the CallManager certificate is recently \ngenerated, please ensure that the CTL File already has the new CallManager certificate and is\nupdated to the endpoints, before generating the ITL Recovery certificate. Are you sure want \nto proceed?'
        : `WARNING: This operation will overwrite any CA signed certificate previously imported for ${unit}`;
    const answer = await this.ask(`\n${warning}\n\nProceed with regeneration (yes|no)? `);
    if (answer.toLowerCase() !== 'yes') return 'Certificate regeneration cancelled.';
    await this.cluster.regenerate(this.node, unit, this.user);
    return unit === 'ITLRecovery'
      ? `\nSuccessfully Regenerated Certificate for ITLRecovery.\n\nYou must restart the services related to ITLRecovery for the regenerated certificates to \nbecome active.`
      : `\nSuccessfully Regenerated Certificate for ${unit}.\nYou must restart services related to ${unit} for the regenerated certificates to become active.`;
  }

  private async deleteTrust(store: string, file: string): Promise<string> {
    if (!store.endsWith('-trust'))
      throw new CommandError('A trusted certificate is the only type of certificate that you can delete.');
    const filename = file.includes('/') ? (file.split('/').pop() ?? file) : file;
    if (!this.node.trust.get(store)?.some((e) => e.filename === filename))
      throw new CommandError(`Certificate ${file} not found in ${store}`);
    const answer = await this.ask(
      `\nWARNING: You are about to permanently delete this certificate: ${store}/${filename}\nContinue (y/n)?`,
    );
    if (!answer.toLowerCase().startsWith('y')) return 'Certificate deletion cancelled.';
    this.cluster.deleteTrust(this.node, store, filename, this.user);
    return `\nSuccessfully deleted certificate ${filename}.\nPlease restart services related to ${store} for the change to become active.`;
  }

  private async generateCsr(unit: CertificateUnit): Promise<string> {
    const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, workers: -1 });
    await this.sleep(2000, 'csr-gen');
    const csr = forge.pki.createCertificationRequest();
    csr.publicKey = keys.publicKey;
    csr.setSubject([
      { name: 'commonName', value: this.node.fqdn },
      { shortName: 'OU', value: unit },
      { name: 'organizationName', value: 'Simulated CUCM' },
      { name: 'countryName', value: 'US' },
    ]);
    csr.setAttributes([
      {
        name: 'extensionRequest',
        extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: this.node.fqdn }] }],
      },
    ]);
    csr.sign(keys.privateKey, forge.md.sha256.create());
    this.node.csrs.set(unit, {
      csrPem: forge.pki.certificationRequestToPem(csr),
      keyPem: forge.pki.privateKeyToPem(keys.privateKey),
      subject: `CN=${this.node.fqdn}`,
      altNames: [this.node.fqdn],
    });
    this.cluster.log(this.node, this.user, 'csr-generated', { unit });
    return `Successfully Generated CSR for ${unit}.`;
  }

  private showCsr(unit: CertificateUnit): string {
    const csr = this.node.csrs.get(unit);
    if (!csr) throw new CommandError(`No CSR found for ${unit}`);
    return csr.csrPem.trim();
  }

  private async importCertificate(kind: string, unitName: string): Promise<string> {
    if (kind !== 'own' && kind !== 'trust')
      throw new CommandError('Invalid command: set cert import {own|trust} <unit>');
    const unit = CERTIFICATE_UNITS.find((u) => u.toLowerCase() === unitName.toLowerCase());
    if (!unit) throw new CommandError(`Invalid unit name: ${unitName}`);
    this.write('\nPaste the Certificate and Hit Enter\n');
    const pem = await this.readUntil(/-----END CERTIFICATE-----/);
    let parsed: X509Certificate;
    try {
      parsed = new X509Certificate(pem);
    } catch {
      throw new CommandError('The certificate is not a valid PEM certificate.');
    }
    const cert = describeCertificate(parsed.toString());
    if (kind === 'trust') {
      this.node.addTrust(trustStoreOf(unit), cert);
      this.cluster.log(this.node, this.user, 'trust-imported', {
        store: trustStoreOf(unit),
        serial: cert.serial,
        sha256: parsed.fingerprint256,
        subject: cert.subject,
      });
      return `Successfully imported certificate for ${unit}.\nPlease restart services related to ${unit} for the new certificate to become active.`;
    }
    const csr = this.node.csrs.get(unit);
    if (!csr) throw new CommandError(`No CSR was generated for ${unit}: run set csr gen ${unit} first.`);
    const csrKey = forge.pki.privateKeyFromPem(csr.keyPem);
    const certKey = forge.pki.certificateFromPem(cert.pem).publicKey as forge.pki.rsa.PublicKey;
    if (csrKey.n.compareTo(certKey.n) !== 0)
      throw new CommandError(`The certificate does not match the CSR generated for ${unit}.`);
    const issuerTrusted = [...(this.node.trust.get(trustStoreOf(unit)) ?? [])].some((e) =>
      parsed.checkIssued(new X509Certificate(e.cert.pem)),
    );
    if (!issuerTrusted)
      throw new CommandError(
        `The issuer of the certificate is not in ${trustStoreOf(unit)}: import the CA certificate as trust first.`,
      );
    const installed = { ...cert, keyPem: forge.pki.privateKeyToPem(csrKey) };
    this.node.certificates.set(unit, installed);
    this.node.csrs.delete(unit);
    this.cluster.distributeTrust(this.node, unit, installed);
    this.cluster.log(this.node, this.user, 'cert-imported', { unit, serial: cert.serial });
    return `Successfully imported certificate for ${unit}.\nPlease restart services related to ${unit} for the new certificate to become active.`;
  }

  private serviceList(): string {
    const lines = [
      'Requesting service status, please wait...',
      'Service Manager is running',
      'Getting list of all services',
      '>> Return code = 0',
    ];
    for (const s of [...this.node.services.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      lines.push(`${s.name}[${s.state}]${s.reason ? `  ${s.reason}` : ''}`);
    }
    lines.push(`Primary Node =${this.node.role === 'publisher'}`);
    return lines.join('\n');
  }

  private async controlService(action: 'restart' | 'start' | 'stop', name: string): Promise<string> {
    const service = this.node.services.get(name);
    if (!service) throw new CommandError(`Invalid service name: ${name}`);
    if (service.reason === 'Service Not Activated') throw new CommandError(`${name} is not activated on this node.`);
    if (action === 'restart' && service.state !== 'STARTED')
      throw new CommandError(`${name} is not running: ${service.reason ?? service.state}`);
    this.write(
      'Do not press Ctrl+C while the service is restarting. If the service has not restarted properly, execute the same command again.\r\nService Manager is running\r\n',
    );
    const echo = (state: string) => this.write(`${name}[${state}]\r\n`);
    if (action === 'restart') {
      const final = await this.cluster.restartService(this.node, name, this.user, echo);
      if (final !== 'STARTED') throw new CommandError(`${name} failed to start: Component is not running`);
    } else if (action === 'start') {
      await this.cluster.startService(this.node, name, this.user, echo);
    } else {
      await this.cluster.stopService(this.node, name, this.user, echo);
    }
    return '';
  }

  private async updateCtl(): Promise<string> {
    this.requirePublisher();
    if (!this.cluster.mixedMode)
      throw new CommandError('The cluster is not in mixed mode: run utils ctl set-cluster mixed-mode first.');
    const answer = await this.ask('This operation updates the CTLFile. Do you want to continue? (y/n):');
    if (!answer.toLowerCase().startsWith('y')) return 'Operation cancelled.';
    this.write('Updating CTL file\r\n');
    await this.sleep(3000, 'ctl-update');
    this.cluster.updateCtl(this.user);
    return 'CTL file Updated\nPlease Restart the TFTP and Cisco CallManager services on all nodes in the cluster that run these services';
  }

  /** `utils ctl reset localkey`: its prompt and answer are guesses (facts/trust-recovery.ts), like utils ctl update's. */
  private async ctlReset(): Promise<string> {
    this.requirePublisher();
    if (!this.cluster.mixedMode)
      throw new CommandError('The cluster is not in mixed mode: there is no CTL file to reset.');
    const answer = await this.ask(
      'This operation resets the CTLFile with the local key. Do you want to continue? (y/n):',
    );
    if (!answer.toLowerCase().startsWith('y')) return 'Operation cancelled.';
    this.write('Resetting CTL file\r\n');
    await this.sleep(3000);
    this.cluster.ctlResetLocalKey(this.user);
    return 'CTL file reset with the local key\nPlease Restart the TFTP and Cisco CallManager services on all nodes in the cluster that run these services';
  }

  /** `utils itl reset localkey`: the output of Cisco's older `utils itl reset` example (facts/trust-recovery.ts). */
  private async itlReset(): Promise<string> {
    this.requirePublisher();
    await this.sleep(2000, 'itl-reset');
    const tftp = this.cluster.itlResetLocalKey(this.user);
    return [
      'Generating the reset ITL file.....',
      '',
      'The reset ITL file was generated successfully',
      '',
      'Locating active Tftp servers in the cluster.....',
      '',
      'Following is the list of Active tftp servers in the cluster',
      '',
      '====================',
      '',
      ...tftp,
      '',
      '=====================',
      '',
      `Number of Active TFTP servers in the cluster : ${tftp.length}`,
      '',
      'Transferring new reset ITL file to the TFTP server nodes in the cluster.........',
      '',
      ...tftp.map((n) => `Successfully transferred reset ITL to node ${n}`),
    ].join('\n');
  }

  /** The layout of Cisco's PCD guide example (reference 1.10), every line of it. */
  private replicationState(): string {
    const rows = this.cluster.nodes.map((n) =>
      this.cluster.faults.replicationBroken.has(n.name)
        ? `${n.name.padEnd(24)} ${n.ip.padEnd(17)} 0.${20 + n.ip.length}     Y/Y/Y     4127     (g_${n.role === 'publisher' ? 2 : 3})          (3) Out Of Sync`
        : `${n.name.padEnd(24)} ${n.ip.padEnd(17)} 0.${20 + n.ip.length}     Y/Y/Y     0        (g_${n.role === 'publisher' ? 2 : 3})          (2) Setup Completed`,
    );
    return [
      `Server Time: ${formatDate(new Date())}`,
      '',
      'Cluster Replication State: BROADCAST SYNC ended at: 2026-01-17-16-47',
      '     Sync Result: SYNC COMPLETED on 753 tables out of 753',
      '     Sync Status: All Tables are in sync',
      "     Use CLI to see detail: 'file view activelog cm/trace/dbl/20260117_164617_dbl_repl_output_Broadcast.log'",
      '',
      `DB Version: ccm${this.cluster.config.version.replace(/[.-]/g, '_')}`,
      '',
      'Repltimeout set to: 300s',
      'PROCESS option set to: 1',
      '',
      `Cluster Detailed View from ${this.node.name} (${this.cluster.nodes.length} Servers):`,
      '',
      '                                           PING      DB/RPC/   REPL.    Replication    REPLICATION SETUP',
      'SERVER-NAME              IP ADDRESS        (msec)    DbMon?    QUEUE    Group ID       (RTMT) & Details',
      '-----------              ----------        ------    -------   -----    -----------    ------------------',
      ...rows,
    ].join('\n');
  }

  private runSql(sql: string): string {
    const normalized = sql.toLowerCase().replace(/\s+/g, ' ').trim();
    const param = /from processconfig where paramname\s*=\s*'(\w+)'/.exec(normalized);
    if (normalized.startsWith('select paramname,paramvalue') && param) {
      const values: Record<string, string> = {
        clustersecuritymode: String(this.cluster.securityMode),
        rollbacktopregrayback: 'F',
      };
      const name = param[1] ?? '';
      const value = values[name];
      if (value === undefined) return sqlTable(['paramname', 'paramvalue'], []);
      const display = name === 'clustersecuritymode' ? 'ClusterSecurityMode' : 'RollBackToPreGrayback';
      return sqlTable(['paramname', 'paramvalue'], [[display, value]]);
    }
    if (/^select name(, ?tknodeusage)? from processnode/.test(normalized)) {
      const withUsage = normalized.includes('tknodeusage');
      const rows = this.processNodeNames().map((name, i) => [
        name,
        i === 0 || this.cluster.nodes[i - 1]?.role !== 'publisher' ? '1' : '0',
      ]);
      return sqlTable(
        withUsage ? ['name', 'tknodeusage'] : ['name'],
        rows.map((r) => (withUsage ? r : [r[0] ?? ''])),
      );
    }
    if (normalized === 'select count(*) from device')
      return sqlTable(['(count(*))'], [[String(this.cluster.phones.list.length)]]);
    throw new CommandError(`The simulator does not know this query: ${sql}`);
  }
}
