/**
 * The product's own processes (worker/main, api/main, from this checkout, a build or a release) as child processes of
 * a test, with their output kept for the assertion messages. worker-process.ts and api-process.ts start them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

export interface Child {
  process: ChildProcess;
  /** Everything it printed so far (the first 50,000 characters). */
  output(): string;
}

/** `node <args>` in `cwd` (default: this checkout, where relative paths of `args` resolve). */
export interface ChildCommand {
  args: string[];
  cwd?: string;
}

/** Runs the command with the test's environment plus `env`; DEBUG_CHILDREN=1 echoes what it prints. */
export function startChild({ args, cwd = root }: ChildCommand, env: NodeJS.ProcessEnv): Child {
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
