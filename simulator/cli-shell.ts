/**
 * One interactive CUCM OS CLI session (`admin:` prompt), fed by the SSH channel. Formats follow the transcripts in
 * ../shared/reference/cucm-interfaces.md section 1: banner and start-up delay, automatic pagination on by default,
 * `(yes|no)?` confirmations, `<Service>[STATE]` lines.
 */
import { CERTIFICATE_UNITS, type CertificateUnit } from '../workflows/units';
import type { SimNode, SimService } from './model';

export interface ShellOptions {
  /** Multiplies every simulated delay (1 = real-ish timing, 0.01 for tests). */
  timeScale: number;
  /** Lines per page while automatic pagination is on. */
  pageSize?: number;
}

const PROMPT = 'admin:';
const PAGER = '\x1b[1mPress <enter> for 1 line, <space> for one page, or <q> to quit\x1b[0m\x1b[K';

function formatDate(d: Date): string {
  // CUCM prints `Fri Feb 04 15:31:39 UTC 2022`.
  const [wd, mon, day, year, time] = d.toUTCString().replace(',', '').split(' ');
  return `${wd} ${mon} ${day} ${time} UTC ${year}`;
}

export class CliShell {
  private line = '';
  private pagination = true;
  private busy = false;
  private pendingAnswer: ((answer: string) => void) | undefined;
  private pagerKey: ((key: string) => void) | undefined;

  constructor(
    private readonly node: SimNode,
    private readonly user: string,
    private readonly write: (text: string) => void,
    private readonly end: () => void,
    private readonly options: ShellOptions,
  ) {}

  private sleep(realMs: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.round(realMs * this.options.timeScale)));
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
    this.write(PROMPT + ' ');
  }

  input(data: string): void {
    for (const ch of data) {
      if (this.pagerKey) {
        this.pagerKey(ch);
        continue;
      }
      if (ch === '\r' || ch === '\n') {
        if (ch === '\n' && this.line === '' && this.lastWasCr) continue;
        this.lastWasCr = ch === '\r';
        const line = this.line;
        this.line = '';
        this.write('\r\n');
        if (this.pendingAnswer) this.pendingAnswer(line.trim());
        else if (!this.busy) void this.execute(line.trim());
        continue;
      }
      this.lastWasCr = false;
      if (ch === '\x7f' || ch === '\b') {
        this.line = this.line.slice(0, -1);
        continue;
      }
      this.line += ch;
      this.write(ch); // PTY echo
    }
  }
  private lastWasCr = false;

  private ask(question: string): Promise<string> {
    this.write(question);
    return new Promise((resolve) => {
      this.pendingAnswer = (answer) => {
        this.pendingAnswer = undefined;
        resolve(answer);
      };
    });
  }

  /** Prints output, page by page while automatic pagination is on. */
  private async print(text: string): Promise<void> {
    const lines = text.split('\n');
    const pageSize = this.options.pageSize ?? 20;
    let shown = 0;
    let budget = pageSize;
    while (shown < lines.length) {
      if (this.pagination && budget === 0) {
        this.write(PAGER);
        const key = await new Promise<string>((resolve) => {
          this.pagerKey = (k) => {
            this.pagerKey = undefined;
            resolve(k);
          };
        });
        if (key === 'q') break;
        budget = key === ' ' ? pageSize : 1;
      }
      this.write(`${lines[shown]}\r\n`);
      shown += 1;
      budget -= 1;
    }
  }

  private async execute(command: string): Promise<void> {
    if (command === '') {
      this.write(PROMPT + ' ');
      return;
    }
    this.busy = true;
    this.node.cluster.events.record({
      node: this.node.name,
      actor: this.user,
      kind: 'cli-command',
      detail: { command },
    });
    try {
      if (command === 'exit' || command === 'quit') {
        this.end();
        return;
      }
      await this.print(await this.dispatch(command));
    } catch (err) {
      await this.print(`Executed command unsuccessfully\n${(err as Error).message}`);
    }
    this.busy = false;
    this.write(PROMPT + ' ');
  }

  private async dispatch(command: string): Promise<string> {
    const words = command.split(/\s+/);
    const rest = (n: number) => words.slice(n).join(' ');
    const is = (...prefix: string[]) => prefix.every((w, i) => words[i]?.toLowerCase() === w);

    if (is('set', 'cli', 'pagination')) {
      const mode = words[3]?.toLowerCase();
      if (mode !== 'on' && mode !== 'off') throw new Error('Invalid command: set cli pagination {on|off}');
      this.pagination = mode === 'on';
      return `Automatic pagination is turned ${mode}`;
    }
    if (is('show', 'version', 'active'))
      return `Active Master Version: ${this.node.cluster.config.version}\nActive Version Installed Software Options:\nNo Installed Software Options Found.`;
    if (is('show', 'cert', 'own')) return this.showCertOwn(this.unit(rest(3).split('/')[0] ?? ''));
    if (is('set', 'cert', 'regen')) return this.regenerate(this.unit(rest(3)));
    if (is('utils', 'service', 'list')) return this.serviceList();
    if (is('utils', 'service', 'restart')) return this.restart(rest(3));
    throw new Error(`Invalid command: ${command}`);
  }

  private unit(name: string): CertificateUnit {
    const unit = CERTIFICATE_UNITS.find((u) => u.toLowerCase() === name.toLowerCase());
    if (!unit || !this.node.certificates.has(unit)) throw new Error(`Invalid unit name: ${name}`);
    return unit;
  }

  private showCertOwn(unit: CertificateUnit): string {
    const cert = this.node.certificate(unit);
    return [
      `[`,
      `  Version: V3`,
      `  Serial Number: ${cert.serial}`,
      `  SignatureAlgorithm: SHA256withRSA (1.2.840.113549.1.1.11)`,
      `  Issuer Name: ${cert.issuer}`,
      `  Validity From: ${formatDate(cert.validFrom)}`,
      `           To:   ${formatDate(cert.validTo)}`,
      `  Subject Name: ${cert.subject}`,
      `  Key: RSA (1.2.840.113549.1.1.1)`,
      `]`,
      cert.pem.trim().replace(/\r/g, ''),
    ].join('\n');
  }

  private async regenerate(unit: CertificateUnit): Promise<string> {
    const answer = await this.ask(
      `\nWARNING: This operation will overwrite any CA signed certificate previously imported for ${unit}\nProceed with regeneration (yes|no)? `,
    );
    if (answer.toLowerCase() !== 'yes') return 'Certificate regeneration cancelled.';
    await this.sleep(5000);
    const before = this.node.certificate(unit).serial;
    const cert = this.node.issue(unit);
    this.node.cluster.events.record({
      node: this.node.name,
      actor: this.user,
      kind: 'cert-regenerated',
      detail: { unit, serialBefore: before, serialAfter: cert.serial },
    });
    return `\nSuccessfully Regenerated Certificate for ${unit}.\nYou must restart services related to ${unit} for the regenerated certificates to become active.`;
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
    return lines.join('\n');
  }

  private async restart(name: string): Promise<string> {
    const service = this.node.services.get(name);
    if (!service) throw new Error(`Invalid service name: ${name}`);
    if (service.state !== 'STARTED') throw new Error(`${name} is not running: ${service.reason ?? service.state}`);
    const events = this.node.cluster.events;
    const transition = (state: SimService['state']) => {
      service.state = state;
      events.record({
        node: this.node.name,
        actor: this.user,
        kind: 'service-state',
        detail: { service: name, state },
      });
      this.write(`${name}[${state}]\r\n`);
    };
    this.write(
      'Do not press Ctrl+C while the service is restarting. If the service has not restarted properly, execute the same command again.\r\nService Manager is running\r\n',
    );
    transition('STOPPING');
    await this.sleep(4000);
    transition('STARTING');
    await this.sleep(8000);
    // A service picks up a regenerated certificate only when it restarts.
    if (name === 'Cisco Tomcat') this.node.activeCertificates.set('tomcat', this.node.certificate('tomcat'));
    transition('STARTED');
    return '';
  }
}
