/**
 * Runs one of the product's TypeScript entry points (worker/main.ts, api/main.ts, a script) as a child process until
 * it exits: for the tests of what a process does at start when something is wrong (exit code, what it prints).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

export interface Exited {
  /** The exit code; null when the process was killed (it outlived `timeoutMs`). */
  code: number | null;
  /** stdout and stderr, interleaved as they came. */
  output: string;
}

export function runToExit(
  entry: string,
  env: NodeJS.ProcessEnv,
  options: { args?: string[]; timeoutMs?: number } = {},
): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, entry), ...(options.args ?? [])], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
