/**
 * The product's own processes (worker/main, api/main, compiled or not) as child processes of a test, with their
 * output kept for the assertion messages, and the environment a worker needs for a simulated cluster's inventory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './net';
import type { SimulatedCluster } from './simulator';

export interface Child {
  process: ChildProcess;
  /** Everything it printed so far (the first 50,000 characters). */
  output(): string;
}

/** Runs `node [args]` in `cwd` with the test's environment plus `env`. */
export function startChild(args: string[], env: NodeJS.ProcessEnv, cwd: string): Child {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer) => {
    if (process.env.DEBUG_CHILDREN) process.stderr.write(`[child ${child.pid}] ${d.toString()}`);
    if (output.length < 50_000) output += d.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { process: child, output: () => output };
}

/** SIGTERM (the worker drains, the API closes), then waits for the exit. */
export async function stopChild(child: Child | undefined): Promise<void> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  child.process.kill('SIGTERM');
  await exited;
}

/** Waits until the child printed `text`; fails with its output if it exits first. */
export function untilPrinted(child: Child, what: string, text: string): Promise<true> {
  return waitFor(what, async () => {
    if (child.process.exitCode !== null) throw new Error(`it exited (${child.process.exitCode}):\n${child.output()}`);
    return child.output().includes(text) || undefined;
  });
}

/**
 * The lab's inventory written to `dir`/inventory.json, and the worker's environment: its `env:NAME` secret
 * references with their values (a worker process resolves them from its environment, as in production).
 */
export function labWorkerEnv(
  lab: SimulatedCluster,
  dir: string,
): { inventoryPath: string; secrets: Record<string, string> } {
  const inventoryPath = join(dir, 'inventory.json');
  writeFileSync(inventoryPath, JSON.stringify(lab.inventory));
  const refs = JSON.stringify(lab.inventory).match(/"env:[A-Z0-9_]+"/g) ?? [];
  const secrets = Object.fromEntries(
    refs.map((quoted) => {
      const ref = quoted.slice(1, -1);
      return [ref.slice('env:'.length), lab.activityDeps.resolveSecret(ref)];
    }),
  );
  return { inventoryPath, secrets };
}
