/**
 * One CUCM CLI session per node per worker process, shared by every activity of that worker for that node.
 *
 * A CUCM CLI takes 8-10 s from login to the first `admin:` (the timed 11.5 transcript in the reference), so a session
 * per activity spends most of a rotation starting CLIs. The pool keeps one session per node and credential:
 *   - serialised: one command at a time per session (a FIFO queue; the CLI is one interactive shell);
 *   - checked before use: before an activity's first command, and before any command after `checkAfterMs` of
 *     quiet, the session must answer an empty line with its prompt, else it is reopened, transparently (a drop
 *     while idle does not fail the activity; a drop during a command does, as the command may have run);
 *   - reopened when it dropped, when the credential or the pinned host key changed (the key of a slot is the node,
 *     the user name and an HMAC of the secret, host and pinned key under a per-process random key: the secret is
 *     never part of a key in clear, and a session is never shared across credentials);
 *   - closed when unused for `idleMs` (default 4 min, below the shortest `set cli session timeout` CUCM accepts,
 *     5 min; its default is 30 min: CUCM never times a pooled session out under us), and on `close()` (worker
 *     shutdown);
 *   - cancellation-aware: a caller cancelled while it waits for the session leaves the queue; one cancelled in the
 *     middle of a command closes the session (what a half-run command left on the screen is unknown), and the next
 *     caller opens a new one. A command that timed out or lost its connection closes it too.
 * Heartbeats are the activities' own timers: waiting in the queue does not stop them.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { CliError, CliSession, type CliCommands, type CliSessionOptions, type CliTarget, type RunOptions } from './cli';

interface SessionPoolOptions {
  /** Opens an authenticated session (injectable: tests count or break sessions). */
  open?: (target: CliTarget, options?: CliSessionOptions) => Promise<CliSession>;
  sessionOptions?: CliSessionOptions;
  /** Close a session unused this long (default 4 min: below CUCM's minimum CLI session timeout of 5 min). */
  idleMs?: number;
  /** Within a lease, check the prompt again before a command after this much quiet (default 2 s). */
  checkAfterMs?: number;
  /** How long the prompt check may take before the session is taken as dead (default 10 s). */
  checkTimeoutMs?: number;
  log?: (message: string) => void;
}

interface Waiter {
  grant: () => void;
}

interface Slot {
  key: string;
  node: string;
  session?: CliSession;
  lastUsed: number;
  busy: boolean;
  queue: Waiter[];
  idleTimer?: NodeJS.Timeout;
  /** A newer credential for the node exists: close this one as soon as it is free. */
  retired: boolean;
}

const DEFAULT_IDLE_MS = 4 * 60_000;

export class CliSessionPool {
  private readonly slots = new Map<string, Slot>();
  /** Keys slot identities; random per process, so the identities mean nothing outside it. */
  private readonly hmacKey = randomBytes(32);
  private readonly open: (target: CliTarget, options?: CliSessionOptions) => Promise<CliSession>;
  private closing = false;

  constructor(private readonly options: SessionPoolOptions = {}) {
    this.open = options.open ?? ((target, opts) => CliSession.open(target, opts));
  }

  /**
   * A handle on the node's pooled session for `target`'s credential. Each `run` waits its turn, checks or
   * (re)opens the session, runs one command. `signal` (the activity's cancellation signal) takes a waiting caller
   * out of the queue and closes the session under a running command.
   */
  lease(node: string, target: CliTarget, signal?: AbortSignal): CliCommands {
    const slot = this.slot(node, target);
    // The first command of a lease always checks the prompt: a drop may not have been noticed yet.
    let first = true;
    return {
      run: (command, options) => {
        const check = first;
        first = false;
        return this.run(slot, target, command, options, signal, check);
      },
    };
  }

  /** Sessions open now (for logs and tests of shutdown). */
  get openSessions(): number {
    return [...this.slots.values()].filter((s) => s.session && !s.session.closed).length;
  }

  /** Closes every session and refuses new ones (worker shutdown). */
  close(): void {
    this.closing = true;
    for (const slot of this.slots.values()) this.closeSession(slot, 'the worker is shutting down');
    this.slots.clear();
  }

  private identity(node: string, target: CliTarget): string {
    const mac = createHmac('sha256', this.hmacKey)
      .update(
        [target.host, String(target.port), target.username, target.password, target.hostKeySha256 ?? ''].join('\0'),
      )
      .digest('base64url')
      .slice(0, 22);
    return `${node} ${target.username} ${mac}`;
  }

  private slot(node: string, target: CliTarget): Slot {
    const key = this.identity(node, target);
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { key, node, lastUsed: 0, busy: false, queue: [], retired: false };
      // The credential, address or pinned key of the node changed: its older sessions go once free.
      for (const other of this.slots.values()) {
        if (other.node !== node) continue;
        other.retired = true;
        if (!other.busy) this.retire(other);
      }
      this.slots.set(key, slot);
    }
    return slot;
  }

  private retire(slot: Slot): void {
    this.closeSession(slot, 'the node’s credential or host key changed');
    this.slots.delete(slot.key);
  }

  private async run(
    slot: Slot,
    target: CliTarget,
    command: string,
    options: RunOptions | undefined,
    signal: AbortSignal | undefined,
    check: boolean,
  ): Promise<string> {
    await this.acquire(slot, signal);
    try {
      const session = await this.ready(slot, target, check);
      // Cancelled mid-command: the output is unknown; close the session so the next caller starts clean.
      const onAbort = () => this.closeSession(slot, 'the activity was cancelled during a command');
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        return await session.run(command, options);
      } catch (err) {
        // A prompt came back after a typed CLI error (invalid command, unsuccessful, declined): still usable.
        // A timeout or a drop leaves it in an unknown state.
        if (!(err instanceof CliError) || err.kind === 'timeout' || err.kind === 'closed' || session.closed)
          this.closeSession(slot, `\`${command}\` did not end at a prompt`);
        throw err;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        slot.lastUsed = Date.now();
      }
    } finally {
      this.release(slot);
    }
  }

  /** The slot's session, checked by its prompt, or a new one. */
  private async ready(slot: Slot, target: CliTarget, check: boolean): Promise<CliSession> {
    const idleFor = Date.now() - slot.lastUsed;
    if (slot.session && (slot.session.closed || idleFor >= (this.options.idleMs ?? DEFAULT_IDLE_MS)))
      this.closeSession(slot, slot.session.closed ? 'it had dropped' : 'it was idle too long');
    if (slot.session && (check || idleFor >= (this.options.checkAfterMs ?? 2_000))) {
      try {
        await slot.session.ping(this.options.checkTimeoutMs ?? 10_000);
      } catch (err) {
        this.options.log?.(
          `${target.label}: the pooled CLI session does not answer (${err instanceof Error ? err.message : String(err)}); opening a new one`,
        );
        this.closeSession(slot, 'it did not answer its prompt check');
      }
    }
    if (!slot.session) {
      if (this.closing) throw new CliError('closed', `${target.label}: the worker is shutting down.`);
      slot.session = await this.open(target, this.options.sessionOptions);
    }
    return slot.session;
  }

  private acquire(slot: Slot, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    if (!slot.busy) {
      slot.busy = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        // Cancelled while waiting: leave the queue; the session and the others in line are untouched.
        const at = slot.queue.indexOf(waiter);
        if (at >= 0) slot.queue.splice(at, 1);
        reject(abortReason(signal));
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      slot.queue.push(waiter);
    });
  }

  private release(slot: Slot): void {
    const next = slot.queue.shift();
    if (next) {
      next.grant(); // still busy: handed over in order
      return;
    }
    slot.busy = false;
    if (slot.retired) return this.retire(slot);
    if (!slot.session) return;
    slot.idleTimer = setTimeout(() => this.closeSession(slot, 'it was idle'), this.options.idleMs ?? DEFAULT_IDLE_MS);
    slot.idleTimer.unref(); // an idle session does not keep a process alive
  }

  private closeSession(slot: Slot, why: string): void {
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    if (!slot.session) return;
    if (!slot.session.closed) this.options.log?.(`${slot.node}: closing the pooled CLI session: ${why}`);
    slot.session.close();
    slot.session = undefined;
  }
}

function abortReason(signal?: AbortSignal): Error {
  return signal?.reason instanceof Error
    ? signal.reason
    : new CliError('closed', 'cancelled while waiting for the CLI');
}
