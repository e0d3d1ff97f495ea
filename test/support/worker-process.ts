/**
 * The production worker (worker/main.ts) in a child process, for tests that kill it (SIGKILL, no goodbye) and start
 * another: an inventory file with `file:` secret references for the simulated clusters, and the child processes,
 * each killed by its own pid at the end.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningSimulator } from '../../simulator/cluster-runner';
import { inventoryFromEndpoints } from '../../simulator/inventory';
import { startChild, stopChild, type Child, type ChildCommand } from './child';
import { secretsOfThisRun } from './simulator';

export interface WorkerProcesses {
  /** The environment every worker gets (Temporal address, task queue, inventory, data dir). */
  env: NodeJS.ProcessEnv;
  dir: string;
  /**
   * Starts a worker (this checkout's worker/main.ts under tsx, or `command`: a build's or a release's); resolves
   * once it prints that it polls the task queue.
   */
  start(command?: ChildCommand): Promise<ChildProcess>;
  /** What a worker printed so far. */
  output(child: ChildProcess): string;
  /** Stops one worker as an operator does (SIGTERM: it drains) and waits for it to be gone. */
  stop(child: ChildProcess): Promise<void>;
  /** Kills one worker with SIGKILL and waits for it to be gone. */
  kill(child: ChildProcess): Promise<void>;
  /** Kills every worker still alive and removes the data dir. */
  stopAll(): Promise<void>;
}

export function workerProcesses(
  sim: RunningSimulator,
  options: { temporalAddress: string; taskQueue: string; env?: NodeJS.ProcessEnv },
) {
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
    ...options.env,
  };
  const children = new Map<ChildProcess, Child>();

  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const processes: WorkerProcesses = {
    env,
    dir,
    start(command = { args: ['--import', 'tsx', 'worker/main.ts'] }) {
      const started = startChild(command, env);
      const child = started.process;
      children.set(child, started);
      return new Promise<ChildProcess>((resolve, reject) => {
        const onData = () => {
          if (/polling task queue/.test(started.output())) resolve(child);
        };
        child.stdout?.on('data', onData);
        child.stderr?.on('data', onData);
        child.once('exit', (code, signal) =>
          reject(
            new Error(
              `worker ${child.pid} exited (${signal ?? code}) before polling:\n${started.output().slice(-4000)}`,
            ),
          ),
        );
      });
    },
    output: (child) => children.get(child)?.output() ?? '',
    stop: (child) => stopChild(children.get(child)),
    async kill(child) {
      child.kill('SIGKILL');
      await exited(child);
    },
    async stopAll() {
      for (const child of children.keys())
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await Promise.all([...children.keys()].map(exited));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return processes;
}
