/**
 * The production API (api/main.ts) in child processes, for tests that need several replicas on one Temporal: each
 * on its own port, with the inventory file and Temporal settings of `env`, authentication disabled (the tests are
 * about the API's behaviour, not its tokens). Each is killed by its own pid at the end.
 */
import type { ChildProcess } from 'node:child_process';
import { startChild, stopChild, type ChildCommand } from './child';
import { freePort } from './net';

export interface ApiProcess {
  child: ChildProcess;
  baseUrl: string;
}

/** Starts one API process (this checkout's api/main.ts under tsx, or `command`: a build's); resolves once it listens. */
export async function startApiProcess(
  env: NodeJS.ProcessEnv,
  command: ChildCommand = { args: ['--import', 'tsx', 'api/main.ts'] },
): Promise<ApiProcess> {
  const port = await freePort();
  const started = startChild(command, {
    ...env,
    HOST: '127.0.0.1',
    API_PORT: String(port),
    API_AUTH_DISABLED: 'true',
    LOG_LEVEL: 'warn',
  });
  const child = started.process;
  const output = () => started.output();
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`API process exited (${child.exitCode}):\n${output().slice(-4000)}`);
    const up = await fetch(`${baseUrl}/v1/clusters`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { child, baseUrl };
    if (Date.now() > deadline) throw new Error(`API process did not listen within 60 s:\n${output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function stopApiProcess(api: ApiProcess | undefined): Promise<void> {
  if (api) await stopChild({ process: api.child, output: () => '' });
}
