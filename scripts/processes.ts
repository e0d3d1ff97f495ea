/**
 * Small helpers for the launcher's process tree: spawn a child with its output prefixed, wait for readiness,
 * stop it gently then firmly.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Child {
  name: string;
  process: ChildProcess;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  stop(graceMs?: number): Promise<void>;
}

export function startChild(name: string, command: string, args: string[], options: SpawnOptions = {}): Child {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  // Once we ask a child to stop, its shutdown chatter (connection resets and the like) is noise.
  let stopping = false;
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      if (stopping) return;
      // Children may prefix their own lines ("[worker] ..."); keep those as they are. Other lines get the child's
      // name, also those that open with a bracket of their own (the API's readable log starts with its time).
      process.stdout.write(line.startsWith(`[${name}]`) ? `${line}\n` : `[${name}] ${line}\n`);
    });
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (err) => {
      process.stdout.write(`[${name}] could not start: ${err.message}\n`);
      resolve('spawn-error');
    });
  });
  return {
    name,
    process: child,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `check` until it returns true; fails early if the child exits, or after the timeout. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; child?: Child; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let exited: number | string | undefined;
  void options.child?.exited.then((code) => (exited = code));
  for (;;) {
    if (exited !== undefined) throw new Error(`${options.child?.name} exited (${exited}) before ${what}.`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${options.timeoutMs / 1000} s waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
  }
}
