/**
 * The production worker (worker/main.ts) in a child process, for tests that kill it (SIGKILL, no goodbye) and start
 * another: an inventory file with `file:` secret references for the simulated clusters, and the child processes,
 * each killed by its own pid at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningSimulator } from '../../simulator/cluster-runner';
import { inventoryFromEndpoints } from '../../simulator/inventory';
import { secretsOfThisRun } from './simulator';

const root = join(__dirname, '..', '..');

export interface WorkerProcesses {
  /** The environment every worker gets (Temporal address, task queue, inventory, data dir). */
  env: NodeJS.ProcessEnv;
  dir: string;
  /** Starts a worker; resolves once it prints that it polls the task queue. */
  start(): Promise<ChildProcess>;
  /** Kills one worker with SIGKILL and waits for it to be gone. */
  kill(child: ChildProcess): Promise<void>;
  /** Kills every worker still alive and removes the data dir. */
  stopAll(): Promise<void>;
}

export function workerProcesses(sim: RunningSimulator, options: { temporalAddress: string; taskQueue: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'ccr-workers-'));
  const { inventory, secrets } = inventoryFromEndpoints(
    sim.endpoints.clusters,
    (id, user) => `file:${join(dir, `${id}-${user}`)}`,
  );
  for (const [ref, value] of secrets) {
    writeFileSync(ref.slice('file:'.length), value, { mode: 0o600 });
    secretsOfThisRun.add(value);
  }
  writeFileSync(join(dir, 'inventory.json'), JSON.stringify(inventory));
  const env: NodeJS.ProcessEnv = {
    TEMPORAL_ADDRESS: options.temporalAddress,
    TEMPORAL_TASK_QUEUE: options.taskQueue,
    CUCM_INVENTORY: join(dir, 'inventory.json'),
    DATA_DIR: dir,
  };
  const children: ChildProcess[] = [];
  const debug = !!process.env.DEBUG_WORKERS;

  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const processes: WorkerProcesses = {
    env,
    dir,
    start() {
      const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'worker', 'main.ts')], {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      return new Promise<ChildProcess>((resolve, reject) => {
        let output = '';
        const onData = (chunk: Buffer) => {
          const text = chunk.toString();
          if (debug) process.stderr.write(`[worker ${child.pid}] ${text}`);
          if (output.length < 20_000) output += text;
          if (/polling task queue/.test(output)) resolve(child);
        };
        child.stdout?.on('data', onData);
        child.stderr?.on('data', onData);
        child.once('exit', (code, signal) =>
          reject(new Error(`worker ${child.pid} exited (${signal ?? code}) before polling:\n${output.slice(-4000)}`)),
        );
      });
    },
    async kill(child) {
      child.kill('SIGKILL');
      await exited(child);
    },
    async stopAll() {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await Promise.all(children.map(exited));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return processes;
}
