/**
 * The CUCM OS CLI over SSH. CUCM's platform CLI is an interactive shell (never an exec channel): we open a PTY
 * shell, wait for the first `admin:` prompt (real nodes print a banner and take 10-60 s), turn pagination off, then
 * send one command at a time and read until the next prompt, answering the pager and confirmation prompts.
 */
import { createHash } from 'node:crypto';
import { Client, type Algorithms, type AuthHandlerMiddleware, type ClientChannel } from 'ssh2';
import { recordSent } from './evidence';

export interface CliTarget {
  /** For messages: the node id. */
  label: string;
  host: string;
  port: number;
  username: string;
  password: string;
  /** Pinned host key (`SHA256:<base64>`); the connection is refused on a mismatch. */
  hostKeySha256?: string;
  /** With no pinned key: called with the key the node presents; returning true accepts (and records) it. */
  acceptFirstUse?: (fingerprint: string) => boolean;
}

export interface CliSessionOptions {
  /** SSH handshake timeout. */
  readyTimeoutMs?: number;
  /** Time allowed for the login banner before the first `admin:` prompt. */
  firstPromptTimeoutMs?: number;
  log?: (message: string) => void;
}

export interface RunOptions {
  /** Per-command timeout; a Tomcat restart can take 10 minutes on a real node. */
  timeoutMs?: number;
  /** Answer confirmation prompts (`(yes|no)?`, `(y/n)`) with yes. Without it, a prompt is answered no and fails. */
  confirm?: boolean;
  /** Text to paste when the CLI asks for it (`set cert import`: "Paste the Certificate and Hit Enter"). */
  paste?: string;
}

/** What an activity needs of a CLI: one command at a time (a pooled session or a session of its own). */
export interface CliCommands {
  run(command: string, options?: RunOptions): Promise<string>;
}

type CliErrorKind =
  | 'connect'
  | 'auth'
  | 'host-key-mismatch'
  | 'timeout'
  | 'closed'
  | 'invalid-command'
  | 'not-allowed'
  | 'unsuccessful'
  | 'declined';

/** A typed CLI failure; `retryable` tells the activity layer whether trying again can help. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    readonly kind: CliErrorKind,
    message: string,
    readonly output?: string,
  ) {
    super(message);
  }
  get retryable(): boolean {
    return this.kind === 'connect' || this.kind === 'timeout' || this.kind === 'closed';
  }
}

// `admin:` at the start of a line, possibly after the ANSI erase-line (Cisco unicon's VOS prompt pattern), ending the
// buffer. Real nodes print it with no trailing space (Cisco's CLI reference: `admin:set cert regen tomcat`); a space or
// line end after it is tolerated.
const PROMPT = /(?:^|[\r\n]|\x1b\[K)admin:\s*$/;

/** True when what the node printed so far ends at the CLI's prompt: the command is done, the CLI waits for input. */
export function endsAtPrompt(buffer: string): boolean {
  return PROMPT.test(buffer);
}
const PAGER =
  /\x1b\[1mPress <enter> for 1 line, <space> for one page, or <q> to quit\x1b\[0m(?:\x1b\[K)?|Press <enter> for 1 line, <space> for one page, or <q> to quit/;
const CONFIRMATIONS: ReadonlyArray<{ pattern: RegExp; yes: string; no: string }> = [
  { pattern: /\((?:yes\|no|yes\/no)\)\s*\??\s*$/i, yes: 'yes', no: 'no' },
  { pattern: /\(y\/n\)\s*[?:]?\s*$/i, yes: 'y', no: 'n' },
  { pattern: /Enter "y" followed by return to continue:\s*$/i, yes: 'y', no: 'n' },
];
// Most specific first: a publisher-only command on a subscriber also prints "Executed command unsuccessfully".
const ERRORS: ReadonlyArray<{ pattern: RegExp; kind: CliErrorKind }> = [
  {
    pattern: /command is disabled|not allowed on this node|can only be (?:run|executed) on the publisher/i,
    kind: 'not-allowed',
  },
  { pattern: /^\s*Invalid command|syntax error/im, kind: 'invalid-command' },
  { pattern: /Executed command unsuccessfully/i, kind: 'unsuccessful' },
];

// Current algorithms first: CUCM 14 and later negotiate them (public clients log in to live 14/15 nodes with ssh2's and
// paramiko's defaults; the first of our kex that the node offers wins, so a 14/15 node never settles on SHA-1). The
// legacy set after them (diffie-hellman-group14-sha1, CBC ciphers, ssh-rsa, hmac-sha1, what public CUCM tools add) is
// for old releases, whose OpenSSH offers nothing newer; ssh2 leaves it out by default.
export const SSH_ALGORITHMS: Algorithms = {
  kex: [
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384',
    'ecdh-sha2-nistp521',
    'diffie-hellman-group-exchange-sha256',
    'diffie-hellman-group14-sha256',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group-exchange-sha1',
    'diffie-hellman-group14-sha1',
  ],
  cipher: [
    'aes128-gcm@openssh.com',
    'aes256-gcm@openssh.com',
    'aes128-ctr',
    'aes192-ctr',
    'aes256-ctr',
    'aes256-cbc',
    'aes192-cbc',
    'aes128-cbc',
    '3des-cbc',
  ],
  serverHostKey: [
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'rsa-sha2-512',
    'rsa-sha2-256',
    'ssh-rsa',
    'ssh-dss',
  ],
  hmac: [
    'hmac-sha2-256-etm@openssh.com',
    'hmac-sha2-512-etm@openssh.com',
    'hmac-sha2-256',
    'hmac-sha2-512',
    'hmac-sha1',
  ],
};

/**
 * Logs in with the password through the method the node lists: `password` where it serves it, else
 * `keyboard-interactive` answering its password prompt (a public client tested against a live CUCM 15 reports that it
 * refuses plain password and takes keyboard-interactive only: calltelemetry/cisco-cucm-mcp, src/ssh.ts). One attempt
 * with the secret per connection, never a second one with the same secret through the other method: a wrong password
 * counts once against the account, and a node that refuses password never sees it sent that way. A prompt that does
 * not ask for a password (a second factor, say) is answered empty: the login fails as an auth error rather than
 * sending the password where it was not asked for.
 */
function loginHandler(username: string, password: string): AuthHandlerMiddleware {
  let attempted = false;
  return (methodsLeft, _partialSuccess, next) => {
    // ssh2 asks first with no list: `none` makes the node say which methods it serves.
    if (!methodsLeft) return next({ type: 'none', username });
    if (!attempted && methodsLeft.includes('password')) {
      attempted = true;
      return next({ type: 'password', username, password });
    }
    if (!attempted && methodsLeft.includes('keyboard-interactive')) {
      attempted = true;
      return next({
        type: 'keyboard-interactive',
        username,
        prompt: (_name, _instructions, _lang, prompts, finish) =>
          finish(prompts.map((p) => (/password/i.test(p.prompt) ? password : ''))),
      });
    }
    // Nothing left to try. ssh2 takes `false` (absent from its typings) and fails with "All configured authentication
    // methods failed", which the caller reports as an auth error.
    return next(false as never);
  };
}

/** OpenSSH-style fingerprint of a raw host key blob, as `ssh-keygen -lf` prints it. */
function sshFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

// Strip ANSI sequences and carriage returns so parsers see plain lines.
function clean(text: string): string {
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');
}

export class CliSession implements CliCommands {
  private buffer = '';
  private waiter: (() => void) | undefined;
  private closedReason: string | undefined;

  private constructor(
    private readonly client: Client,
    private readonly channel: ClientChannel,
    private readonly target: CliTarget,
  ) {
    channel.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('utf8');
      this.waiter?.();
    });
    channel.on('close', () => {
      this.closedReason ??= 'the SSH channel closed';
      this.waiter?.();
    });
    client.on('error', (err) => {
      this.closedReason ??= `SSH error: ${err.message}`;
      this.waiter?.();
    });
  }

  static async open(target: CliTarget, options: CliSessionOptions = {}): Promise<CliSession> {
    const client = new Client();
    let hostKeyProblem: string | undefined;
    const channel = await new Promise<ClientChannel>((resolve, reject) => {
      client.once('ready', () => {
        client.shell({ term: 'vt100', cols: 200, rows: 24 }, (err, ch) => (err ? reject(err) : resolve(ch)));
      });
      // A node mid-reboot accepts TCP and closes it: without this the promise would wait forever.
      client.once('close', () =>
        reject(
          new CliError(
            'connect',
            `${target.label}: ${target.host}:${target.port} closed the SSH connection before login (node down or rebooting?).`,
          ),
        ),
      );
      client.once('error', (err: Error & { level?: string }) => {
        client.end();
        if (hostKeyProblem) reject(new CliError('host-key-mismatch', hostKeyProblem));
        else if (err.level === 'client-authentication')
          reject(new CliError('auth', `${target.label}: SSH authentication failed for ${target.username}.`));
        else
          reject(
            new CliError(
              'connect',
              `${target.label}: cannot connect to ${target.host}:${target.port} over SSH (${err.message}).`,
            ),
          );
      });
      client.connect({
        host: target.host,
        port: target.port,
        username: target.username,
        password: target.password,
        tryKeyboard: true,
        authHandler: loginHandler(target.username, target.password),
        readyTimeout: options.readyTimeoutMs ?? 20_000,
        keepaliveInterval: 5_000,
        algorithms: SSH_ALGORITHMS,
        hostVerifier: (key: Buffer) => {
          const actual = sshFingerprint(key);
          if (!target.hostKeySha256) {
            if (target.acceptFirstUse?.(actual)) return true;
            hostKeyProblem = `${target.label}: no SSH host key is pinned in the inventory (the node presented ${actual}); add sshHostKeySha256.`;
            return false;
          }
          if (actual !== target.hostKeySha256) {
            hostKeyProblem = `${target.label}: SSH host key mismatch: the node presented ${actual}, the inventory pins ${target.hostKeySha256}. Refusing to connect.`;
            return false;
          }
          return true;
        },
      });
    });
    const session = new CliSession(client, channel, target);
    try {
      await session.readUntilPrompt(options.firstPromptTimeoutMs ?? 120_000, false, 'the first admin: prompt');
      await session.run('set cli pagination off');
    } catch (err) {
      session.close();
      throw err;
    }
    return session;
  }

  /** Sends one command and returns its output (without the echo and the prompt). */
  async run(command: string, options: RunOptions = {}): Promise<string> {
    this.buffer = '';
    // The command line only: a pasted certificate and the answers to confirmations are not part of the evidence.
    recordSent('ssh', this.target.label, command, [this.target.password]);
    this.channel.write(`${command}\n`);
    const raw = await this.readUntilPrompt(
      options.timeoutMs ?? 90_000,
      options.confirm ?? false,
      command,
      options.paste,
    );
    const lines = clean(raw).split('\n');
    // Drop the echoed command line and the trailing prompt.
    const echo = lines.findIndex((line) => line.trim().endsWith(command));
    const body = lines
      .slice(echo >= 0 ? echo + 1 : 0)
      .join('\n')
      .replace(/admin:\s*$/, '')
      .trim();
    for (const { pattern, kind } of ERRORS) {
      if (pattern.test(body))
        throw new CliError(
          kind,
          `${this.target.label}: \`${command}\` failed: ${body.split('\n').slice(0, 3).join(' / ')}`,
          body,
        );
    }
    return body;
  }

  /** True once the connection dropped or was closed: the session cannot run commands any more. */
  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /**
   * Checks the session answers: sends an empty line and waits for the `admin:` prompt (what an engineer does at an
   * idle CLI). Throws a CliError (`closed` or `timeout`) when it does not.
   */
  async ping(timeoutMs = 10_000): Promise<void> {
    if (this.closedReason) throw new CliError('closed', `${this.target.label}: ${this.closedReason}.`);
    this.buffer = '';
    this.channel.write('\n');
    await this.readUntilPrompt(timeoutMs, false, 'the admin: prompt');
  }

  close(): void {
    this.closedReason ??= 'closed by the client';
    this.client.end();
  }

  private async readUntilPrompt(timeoutMs: number, confirm: boolean, what: string, paste?: string): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let consumed = 0; // how much of the buffer earlier prompts were answered for
    let declined = false;
    let toPaste = paste;
    for (;;) {
      const pending = this.buffer.slice(consumed);
      if (toPaste !== undefined && /Paste the Certificate/i.test(pending)) {
        this.channel.write(`${toPaste.trim()}\n`);
        toPaste = undefined;
        consumed = this.buffer.length;
        continue;
      }
      if (PAGER.test(pending)) {
        // Pagination should be off, but the pager can show while turning it off: ask for the next page.
        this.buffer = this.buffer.replace(PAGER, '');
        this.channel.write(' ');
        continue;
      }
      if (endsAtPrompt(pending)) {
        if (declined)
          throw new CliError(
            'declined',
            `${this.target.label}: \`${what}\` asked for a confirmation that was not given.`,
            clean(this.buffer),
          );
        return this.buffer;
      }
      const confirmation = CONFIRMATIONS.find((c) => c.pattern.test(pending));
      if (confirmation) {
        declined = !confirm;
        this.channel.write(`${declined ? confirmation.no : confirmation.yes}\n`);
        consumed = this.buffer.length;
        continue;
      }
      if (this.closedReason)
        throw new CliError(
          'closed',
          `${this.target.label}: ${this.closedReason} while waiting for ${what}.`,
          clean(this.buffer),
        );
      const left = deadline - Date.now();
      if (left <= 0)
        throw new CliError(
          'timeout',
          `${this.target.label}: timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}.`,
          clean(this.buffer),
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        };
      });
    }
  }
}
