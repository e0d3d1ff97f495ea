/**
 * Bench results on file: each bench records its figures here and writes `bench/results/<bench>.json` (or
 * `$BENCH_RESULTS_DIR/<bench>.json`) with the commit, the date, the machine and, per figure, its target and whether
 * it was met. docs/benchmarks.md quotes these files; a figure without a target is context (met is absent).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';

interface Target {
  op: '<' | '<=' | '==' | '>=';
  value: number;
}

interface Figure {
  name: string;
  value: number;
  unit: string;
  target?: string;
  met?: boolean;
  note?: string;
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: __dirname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

function meets(value: number, t: Target): boolean {
  switch (t.op) {
    case '<':
      return value < t.value;
    case '<=':
      return value <= t.value;
    case '==':
      return value === t.value;
    case '>=':
      return value >= t.value;
  }
}

export class BenchResults {
  private readonly figures: Figure[] = [];
  private readonly startedAt = new Date();
  private readonly loadAtStart = loadavg()[0] ?? 0;
  // The code as the bench started (edits made while it runs do not count).
  private readonly commit = git(['rev-parse', 'HEAD']);
  private readonly status = git(['status', '--porcelain', '--untracked-files=no']);

  constructor(
    readonly bench: string,
    readonly parameters: Record<string, unknown> = {},
  ) {}

  /** Records a figure (and returns its value); with a target, whether it was met. */
  figure(name: string, value: number, unit: string, target?: Target, note?: string): number {
    this.figures.push({
      name,
      value,
      unit,
      ...(target ? { target: `${target.op} ${target.value} ${unit}`.trim(), met: meets(value, target) } : {}),
      ...(note ? { note } : {}),
    });
    return value;
  }

  /** Writes the file; returns its path. */
  write(): string {
    const dir = process.env.BENCH_RESULTS_DIR ?? join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${this.bench}.json`);
    const status = this.status;
    const cpu = cpus();
    const doc = {
      bench: this.bench,
      commit: this.commit,
      // Uncommitted changes to tracked files when the bench ran: the commit alone does not describe the code.
      dirty: status === undefined ? undefined : status.length > 0,
      date: this.startedAt.toISOString(),
      durationSeconds: Math.round((Date.now() - this.startedAt.getTime()) / 1000),
      machine: {
        cpus: cpu.length,
        cpuModel: cpu[0]?.model,
        memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
        platform: `${platform()} ${release()}`,
        node: process.version,
        loadAverage: { atStart: round(this.loadAtStart), atEnd: round(loadavg()[0] ?? 0) },
      },
      parameters: this.parameters,
      figures: this.figures,
    };
    writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
    console.log(`results written to ${file}`);
    return file;
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
