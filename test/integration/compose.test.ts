/**
 * docker-compose.yml is well formed and wires what docs/operations.md ("Production-like: docker-compose") says, the
 * production image runs the compiled release, and no production service carries the
 * simulator. No Docker engine runs here: Debian's docker-compose (v1) validates the file with `config` without one;
 * .ci/run installs it, and this test fails (it never skips) where it is missing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = join(__dirname, '..', '..');
const PRODUCTION_SERVICES = ['api', 'postgresql', 'setup', 'temporal', 'temporal-ui', 'worker'];
/** Entry points of the production image: the compose commands and the image's default command. */
const PRODUCTION_ENTRIES = ['api/main.ts', 'worker/main.ts', 'scripts/register-search-attributes.ts'];

function compose(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync('docker-compose', ['-f', 'docker-compose.yml', ...args], { cwd: root, encoding: 'utf8', env });
}

/** The service blocks of `docker-compose config` output (normalized YAML: services at two spaces), by name. */
function serviceBlocks(config: string): Map<string, string> {
  const services = config.split(/^services:\n/m)[1]?.split(/^\S/m)[0] ?? '';
  const blocks = new Map<string, string>();
  for (const block of services.split(/^(?= {2}\S)/m)) {
    const name = /^ {2}([\w.-]+):/.exec(block)?.[1];
    if (name) blocks.set(name, block);
  }
  return blocks;
}

/** The stages of the Dockerfile: name → its lines. */
function dockerStages(): Map<string, string[]> {
  const stages = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of readFileSync(join(root, 'Dockerfile'), 'utf8').split('\n')) {
    const from = /^FROM \S+(?: AS (\S+))?/i.exec(line);
    if (from) stages.set(from[1] ?? `stage-${stages.size}`, (current = []));
    else if (current && line.trim() && !line.startsWith('#')) current.push(line);
  }
  return stages;
}

/** Every project file reachable from `entry` through relative imports (static, dynamic and require). */
function reachable(entry: string, seen = new Set<string>()): Set<string> {
  const file = resolve(root, entry);
  if (seen.has(file)) return seen;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const m of source.matchAll(/(?:from\s+|import\s*\(\s*|require\(\s*)'(\.{1,2}\/[^']+)'/g)) {
    const target = resolve(dirname(file), m[1]!);
    const candidates = [`${target}.ts`, join(target, 'index.ts'), target];
    const found = candidates.find((c) => existsSync(c) && c.endsWith('.ts'));
    if (found) reachable(relative(root, found), seen);
  }
  return seen;
}

describe('docker-compose.yml and the Dockerfile', () => {
  const env = {
    ...process.env,
    API_TOKENS: '[{"name":"ops","role":"operator","tokenRef":"file:/run/api-secrets/ops"}]',
  };

  let plain: ReturnType<typeof compose>;
  before(function () {
    if (spawnSync('docker-compose', ['version']).status !== 0)
      throw new Error(
        'docker-compose is not installed, so docker-compose.yml cannot be validated: install it ' +
          '(Debian/Ubuntu: apt-get install docker-compose; or Docker Compose v2 as docker-compose), or run .ci/run.',
      );
    plain = compose(['config'], env);
  });

  it('validates with docker-compose config and runs Temporal+PostgreSQL, the UI, the worker and the API', () => {
    const result = plain;
    assert.equal(result.status, 0, result.stderr);
    const services = compose(['config', '--services'], env).stdout.split('\n').filter(Boolean);
    for (const s of PRODUCTION_SERVICES) assert.ok(services.includes(s), `service ${s}`);
    assert.match(result.stdout, /DB: postgres12/);
    assert.match(result.stdout, /build:\s+context:/);
    // The API must not run without its tokens: compose refuses the file without API_TOKENS.
    const { API_TOKENS: _omit, ...withoutTokens } = env;
    const refused = compose(['config'], withoutTokens);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /set API_TOKENS/);
  });

  it('carries no simulator by default: the demo profile alone adds it, from the demo image', () => {
    // Compose v1 prints every service with its profiles; v2 prints only the active ones. Either way the services
    // without a profile are what `docker compose up` runs.
    const defaults = [...serviceBlocks(plain.stdout)].filter(([, block]) => !/^ {4}profiles:/m.test(block));
    assert.deepEqual(defaults.map(([name]) => name).sort(), PRODUCTION_SERVICES, 'the services up runs by default');
    for (const [name, block] of defaults) {
      assert.doesNotMatch(block, /simulator|target: demo/, `${name} mentions the simulator`);
      if (/^ {4}build:/m.test(block)) assert.match(block, /target: production/, `${name} builds the production image`);
    }

    const demo = compose(['--profile', 'demo', 'config'], env);
    assert.equal(demo.status, 0, demo.stderr);
    const withDemo = serviceBlocks(demo.stdout);
    assert.deepEqual([...withDemo.keys()].sort(), [...PRODUCTION_SERVICES, 'cucm-simulator'].sort());
    const simulator = withDemo.get('cucm-simulator') ?? '';
    assert.match(simulator, /profiles:\s+- demo/);
    assert.match(simulator, /target: demo/);
  });

  it('builds the release in one stage and runs it in a production image without sources, tsx or the simulator', () => {
    const stages = dockerStages();
    const names = [...stages.keys()];
    assert.equal(names.at(-1), 'production', 'production is the last stage: a plain `docker build` makes it');
    assert.ok(stages.has('demo') && stages.has('build'), 'a build and a demo stage');
    const copiedIn = (stage: string) =>
      (stages.get(stage) ?? [])
        .map((l) => /^COPY (\S+) \.\/(\S+)$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => m[1]!);
    // The build stage compiles what the entry points load (and nothing of the simulator).
    const build = stages.get('build')!;
    assert.ok(
      build.some((l) => /^RUN npm run build$/.test(l)),
      'the build stage runs npm run build',
    );
    const compiled = copiedIn('build');
    assert.ok(
      !compiled.some((c) => /^(simulator|demo)\b/.test(c)),
      `the build stage copies no simulator or demo: ${compiled.join(', ')}`,
    );
    for (const entry of PRODUCTION_ENTRIES)
      for (const file of reachable(entry)) {
        const path = relative(root, file);
        assert.ok(!/^(simulator|demo)\//.test(path), `${entry} loads ${path}`);
        assert.ok(
          compiled.some((c) => path === c || path.startsWith(`${c}/`)),
          `${entry} loads ${path}, which the build stage does not copy`,
        );
      }
    // The production stage: production dependencies and the build's output, run with plain node.
    const production = stages.get('production')!;
    assert.ok(
      production.some((l) => /^RUN npm ci --omit=dev\b/.test(l)),
      'production dependencies only',
    );
    assert.deepEqual(copiedIn('production'), [], 'the production stage copies no source folder');
    assert.ok(
      production.includes('COPY --from=build /app/dist ./dist'),
      'the build output is copied from the build stage',
    );
    const cmd = production.find((l) => l.startsWith('CMD ')) ?? '';
    assert.equal(cmd, 'CMD ["node", "dist/api/main.js"]', 'the image runs compiled JavaScript with node');
    // The compose services run the compiled entry points, never tsx.
    for (const [name, block] of serviceBlocks(plain.stdout)) {
      if (!/target: production/.test(block)) continue;
      assert.doesNotMatch(block, /tsx/, `${name} runs tsx`);
      assert.match(block, /- dist\/\S+\.js/, `${name} runs compiled JavaScript from dist/`);
    }
    // The demo image runs the simulator.
    assert.ok(stages.get('demo')!.some((l) => /^CMD .*demo\/compose-simulator\.ts/.test(l)));
    // Every top-level source folder is copied into one of the images or deliberately left out.
    const all = [...stages.values()].flat().join('\n');
    const folders = readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== 'node_modules' && d.name !== 'dist')
      .map((d) => d.name);
    for (const folder of folders)
      assert.ok(
        new RegExp(`^COPY ${folder}\\b`, 'm').test(all) || ['test', 'bench', 'docs'].includes(folder),
        `${folder}/ is neither copied nor excluded on purpose`,
      );
  });
});
