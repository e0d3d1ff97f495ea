/**
 * API figures (autocannon), against the system `npm start` runs: the dev server, the simulator's demo cluster, the
 * worker and the API, each its own process (scripts/start.ts in a child process, on free ports and a fresh data
 * directory). This process only sends load, so its own work does not slow the API down.
 *
 *   - GET /v1/regenerations/{id} of a run stopped at its before-start gate, at a fixed 200 requests/s for 10 s
 *     (target: p99 < 50 ms); see api/runs.ts for what a GET asks Temporal. autocannon with keep-alive connections
 *     (50 watchers at 4 requests/s each), in this process, after a 3 s warm-up at the same rate; each load runs
 *     BENCH_API_RUNS times (default 3): the figure is the median, the note gives every run and its load average
 *   - the same for a rotation of two units at its first unit's gate (describe + rotationState, then the unit run's
 *     state) and for a closed run (describe + state, answered by a worker replaying the history)
 *   - what one GET costs inside, from a Temporal client in this process: describe alone (a GET now, while the run
 *     has not moved since the last read), the state query alone, and describe then query (every GET before; now
 *     only the first read after the run moved)
 *   - POST /v1/clusters/demo/plan: a discovery over SSH per request (concurrent requests share the one in flight),
 *     and with ?maxAgeSeconds= reusing a recent discovery
 *
 * SIMULATOR_TIME_SCALE (default 1, as `npm start`) scales the simulator's delays (CLI start-up ~8 s at 1).
 * Results in bench/results/api.json (p50/p99 per load; the gate GET with its target).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Client, Connection } from '@temporalio/client';
import { stateQuery } from '../domain/messages';
import { BenchResults } from './results';

const print = (name: string, value: string) => console.log(`${name.padEnd(58)} ${value}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const results = new BenchResults('api', { timeScale: process.env.SIMULATOR_TIME_SCALE ?? '1', ratePerSecond: 200 });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('port'))));
    });
  });
}

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/**
 * CPU time (ms) of the system's processes by role, from /proc (Linux; empty elsewhere): what one request costs the
 * API and Temporal whatever the machine's load, which the latencies alone do not tell on a shared machine.
 */
let systemPid: number | undefined;
function systemCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  if (systemPid === undefined) return out;
  try {
    const parents = new Map<number, number>();
    const stats = new Map<number, string[]>();
    for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        parents.set(Number(entry), Number(fields[1]));
        stats.set(Number(entry), fields);
      } catch {
        // gone meanwhile
      }
    }
    const within = (pid: number): boolean =>
      pid === systemPid || (pid > 1 && parents.has(pid) && within(parents.get(pid) ?? 0));
    for (const [pid, fields] of stats) {
      if (!within(pid)) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const role = cmd.includes('api/main') ? 'API' : cmd.includes('start-dev') ? 'Temporal' : undefined;
      if (!role) continue;
      // utime + stime, in clock ticks (100 per second on Linux).
      out.set(role, (out.get(role) ?? 0) + (Number(fields[11]) + Number(fields[12])) * 10);
    }
  } catch {
    // no /proc
  }
  return out;
}

/** How many times each fixed-rate load runs (BENCH_API_RUNS, default 3): the figure is the median, the note the spread. */
const RUNS = Math.max(1, Number(process.env.BENCH_API_RUNS ?? 3));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function load(
  name: string,
  options: {
    url: string;
    method?: 'GET' | 'POST';
    body?: string;
    rate: number;
    seconds: number;
    connections?: number;
    /** p99 target in ms, recorded with the figure. */
    p99TargetMs?: number;
  },
): Promise<void> {
  const runs: Array<{ p50: number; p99: number; load: number; line: string }> = [];
  for (let run = 1; run <= RUNS; run++) {
    const loadBefore = loadavg()[0]!;
    // autocannon 9 takes `warmup` (its types do not list it yet).
    const opts: autocannon.Options & { warmup: { duration: number } } = {
      url: options.url,
      method: options.method ?? 'GET',
      ...(options.body ? { body: options.body, headers: { 'content-type': 'application/json' } } : {}),
      // Enough connections that the rate, not the connection count, sets the pace (keep-alive, as autocannon does).
      connections: options.connections ?? Math.max(4, Math.min(50, options.rate)),
      overallRate: options.rate,
      duration: options.seconds,
      // A running API is warm: 3 s at the same rate first (its own connections), reported apart, not counted.
      warmup: { duration: 3 },
      timeout: 120,
    };
    const cpuFrom = systemCpuMs();
    const result = await autocannon(opts);
    const cpuTo = systemCpuMs();
    const l = result.latency;
    const warmup = (result as { warmup?: autocannon.Result }).warmup;
    const warm = warmup?.latency;
    const loadAfter = loadavg()[0]!;
    // Over the warm-up and the measured load together: CPU per request, in µs.
    const sent = result.requests.total + (warmup?.requests.total ?? 0);
    const cpu = [...cpuTo]
      .map(([role, ms]) => `${role} ${Math.round(((ms - (cpuFrom.get(role) ?? 0)) * 1000) / sent)} µs`)
      .join(', ');
    const line =
      `p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms; ${result.requests.average.toFixed(1)} req/s ` +
      `(${result.requests.total} requests, ${result['2xx']} 2xx, ${result.non2xx} non-2xx, ${result.errors} errors; ` +
      `warm-up p99 ${warm?.p99 ?? '?'} ms; load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)} on this host` +
      `${cpu ? `; CPU per request: ${cpu}` : ''})`;
    print(`${name} (run ${run} of ${RUNS})`, line);
    runs.push({ p50: l.p50, p99: l.p99, load: (loadBefore + loadAfter) / 2, line });
  }
  const p99s = runs.map((r) => r.p99);
  results.figure(`${name}: p50`, median(runs.map((r) => r.p50)), 'ms');
  results.figure(
    `${name}: p99`,
    median(p99s),
    'ms',
    options.p99TargetMs !== undefined ? { op: '<', value: options.p99TargetMs } : undefined,
    `median of ${RUNS} runs of ${options.seconds} s (p99 ${p99s.join(', ')} ms; spread ${Math.min(...p99s)}–${Math.max(...p99s)} ms) at load averages ${runs.map((r) => r.load.toFixed(1)).join(', ')}; each after a 3 s warm-up; ${runs.map((r, i) => `run ${i + 1}: ${r.line}`).join('; ')}`,
  );
}

/** Starts `fn` `rate` times a second for `seconds`, whatever the answers take; then p50/p99 and throughput. */
async function openLoop(name: string, rate: number, seconds: number, fn: () => Promise<number>): Promise<void> {
  const started = performance.now();
  const calls: Array<Promise<{ ms: number; status: number }>> = [];
  for (let i = 0; i < rate * seconds; i++) {
    const due = started + (i * 1000) / rate;
    await sleep(Math.max(0, due - performance.now()));
    const t0 = performance.now();
    calls.push(fn().then((status) => ({ ms: performance.now() - t0, status })));
  }
  const results = await Promise.all(calls);
  const elapsed = (performance.now() - started) / 1000;
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!.toFixed(0);
  const ok = results.filter((r) => r.status === 200).length;
  print(
    name,
    `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${ms[ms.length - 1]!.toFixed(0)} ms; ${(results.length / elapsed).toFixed(2)} req/s ` +
      `(${results.length} requests, ${ok} 200; load average ${loadavg()[0]!.toFixed(1)} on this host)`,
  );
}

/** p50/p99 of `fn` called one at a time, `n` times. */
async function timeCalls(name: string, n: number, fn: () => Promise<unknown>): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!.toFixed(1);
  print(name, `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms (${n} calls, one at a time)`);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ccr-bench-api-'));
  const ports = { api: await freePort(), temporal: await freePort(), ui: await freePort() };
  const timeScale = process.env.SIMULATOR_TIME_SCALE ?? '1';
  const output: string[] = [];
  const t0 = performance.now();
  const system = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'scripts', 'start.ts')], {
    cwd: join(__dirname, '..'),
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      API_PORT: String(ports.api),
      TEMPORAL_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      SIMULATOR_TIME_SCALE: timeScale,
      CUCM_INVENTORY: '',
      TEMPORAL_ADDRESS: '',
      API_TOKENS: '',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  systemPid = system.pid;
  system.stdout.on('data', (d: Buffer) => output.push(d.toString()));
  system.stderr.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<void>((resolve) => system.once('exit', () => resolve()));
  const api = `http://127.0.0.1:${ports.api}`;
  let client: Client | undefined;
  try {
    await until('npm start to be ready', async () =>
      system.exitCode === null ? ((await fetch(`${api}/healthz`)).status === 200 ? true : undefined) : true,
    );
    if (system.exitCode !== null) throw new Error(`npm start exited:\n${output.join('')}`);
    print(`npm start ready (simulator time scale ${timeScale})`, `${((performance.now() - t0) / 1000).toFixed(1)} s`);
    client = new Client({
      connection: await Connection.connect({ address: `127.0.0.1:${ports.temporal}` }),
    });

    const startRun = async (units: string[]) => {
      const started = await json(`${api}/v1/clusters/demo/regenerations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ units }),
      });
      if (started.status !== 202) throw new Error(`start: ${started.status} ${JSON.stringify(started.body)}`);
      const id = started.body.id as string;
      const t1 = performance.now();
      await until(`${id} at its before-start gate`, async () => {
        const { body } = await json(`${api}/v1/regenerations/${id}`);
        if (['failed', 'aborted', 'cancelled', 'completed'].includes(body.status as string))
          throw new Error(`${id} ended: ${JSON.stringify(body)}`);
        return body.status === 'awaiting-approval' ? true : undefined;
      });
      print(
        `POST ${units.join('+')} → awaiting approval (pre-flight)`,
        `${((performance.now() - t1) / 1000).toFixed(1)} s`,
      );
      return id;
    };
    const cancel = async (id: string) => {
      await json(`${api}/v1/regenerations/${id}/cancel`, { method: 'POST' });
      await until(`${id} cancelled`, async () =>
        (await json(`${api}/v1/regenerations/${id}`)).body.status === 'cancelled' ? true : undefined,
      );
    };

    // 1. One unit at its gate.
    const id = await startRun(['tomcat']);
    const handle = client.workflow.getHandle(id);
    await timeCalls('  describe alone', 300, () => handle.describe());
    await timeCalls('  state query alone (through the worker)', 300, () => handle.query(stateQuery));
    await timeCalls('  describe, then query (a GET before; now when it moved)', 300, async () => {
      await handle.describe();
      await handle.query(stateQuery);
    });
    await load('GET /v1/regenerations/{id}, one unit at its gate, 200/s', {
      url: `${api}/v1/regenerations/${id}`,
      rate: 200,
      seconds: 10,
      p99TargetMs: 50,
    });
    await cancel(id);
    await load('GET /v1/regenerations/{id}, the same run cancelled, 200/s', {
      url: `${api}/v1/regenerations/${id}`,
      rate: 200,
      seconds: 10,
    });

    // 2. A rotation at its first unit's gate.
    const rotation = await startRun(['tomcat', 'tomcat-ECDSA']);
    await load('GET /v1/regenerations/{id}, a rotation at its gate, 200/s', {
      url: `${api}/v1/regenerations/${rotation}`,
      rate: 200,
      seconds: 10,
    });
    await cancel(rotation);

    // 3. The dry run.
    const plan = JSON.stringify({ units: ['tomcat'] });
    const t2 = performance.now();
    const first = await json(`${api}/v1/clusters/demo/plan`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: plan,
    });
    print(
      'POST /v1/clusters/demo/plan, one request alone',
      `${(performance.now() - t2).toFixed(0)} ms (${first.status})`,
    );
    // Requests that take seconds: an open loop of our own (autocannon spreads a rate of 1/s over its connections).
    await openLoop('POST .../plan, a discovery each (shared when concurrent), 1/s', 1, 30, async () => {
      const response = await fetch(`${api}/v1/clusters/demo/plan`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: plan,
      });
      await response.arrayBuffer();
      return response.status;
    });
    await load('POST .../plan?maxAgeSeconds=600 (cached discovery), 50/s', {
      url: `${api}/v1/clusters/demo/plan?maxAgeSeconds=600`,
      method: 'POST',
      body: plan,
      rate: 50,
      seconds: 10,
    });
    const metrics = await (await fetch(`${api}/metrics`)).text();
    const discoveries = /^cucm_regen_discovery_duration_seconds_count\{result="ok"\} (\d+)/m.exec(metrics)?.[1];
    print('discoveries the API ran in all', discoveries ?? '?');
    results.write();
  } finally {
    await client?.connection.close();
    system.kill('SIGINT');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
