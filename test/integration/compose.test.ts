/**
 * docker-compose.yml is well formed and wires what docs/operations.md ("Production-like: docker-compose") says, the
 * production image runs the compiled release, and no production service carries the simulator. No Docker engine and
 * no docker-compose binary: the file is read as a Compose implementation reads it (variables interpolated, then the
 * Compose Specification's JSON schema, then profile selection: test/support/compose.ts), with nothing but npm packages.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { activeServices, loadCompose, type ComposeFile } from '../support/compose';

const root = join(__dirname, '..', '..');
const PRODUCTION_SERVICES = ['api', 'postgresql', 'setup', 'temporal', 'temporal-schema', 'temporal-ui', 'worker'];
/** Entry points of the production image: the compose commands and the image's default command. */
const PRODUCTION_ENTRIES = [
  'api/main.ts',
  'worker/main.ts',
  'scripts/register-search-attributes.ts',
  'scripts/temporal-setup.ts',
];
/** The images the default services build: the product, and the release with Temporal's server tools. */
const PRODUCT_TARGETS = ['production', 'temporal-setup'];

/** depends_on in either of its forms (a list, or a map by service name). */
function dependencies(service: Record<string, unknown>): string[] {
  const deps = service.depends_on;
  if (Array.isArray(deps)) return deps.map(String);
  return deps && typeof deps === 'object' ? Object.keys(deps) : [];
}

/** Named volumes a service mounts (short syntax `name:/path`; a source starting with . / or ~ is a host path). */
function namedVolumes(service: Record<string, unknown>): string[] {
  const volumes = Array.isArray(service.volumes) ? service.volumes : [];
  return volumes
    .map((v: unknown) => (typeof v === 'string' ? v.split(':')[0]! : ((v as { source?: string }).source ?? '')))
    .filter((source) => source && !/^[./~]/.test(source));
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
  const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
  const env = { API_TOKENS: '[{"name":"ops","role":"operator","tokenRef":"file:/run/api-secrets/ops"}]' };
  let file: ComposeFile;
  before(() => {
    file = loadCompose(text, env);
  });

  it('is valid Compose and runs Temporal+PostgreSQL, the UI, the worker and the API', () => {
    const services = Object.keys(file.services);
    for (const s of PRODUCTION_SERVICES) assert.ok(services.includes(s), `service ${s}`);
    const temporalEnv = file.services.temporal?.environment as Record<string, unknown> | undefined;
    assert.equal(temporalEnv?.DB, 'postgres12', 'Temporal keeps its state in PostgreSQL');
    for (const [name, service] of Object.entries(file.services)) {
      const build = service.build as { context?: string } | undefined;
      if (build) assert.ok(build.context, `${name} builds from a context`);
      for (const dep of dependencies(service)) assert.ok(services.includes(dep), `${name} depends on unknown ${dep}`);
      for (const volume of namedVolumes(service))
        assert.ok(volume in ((file.volumes as object | null) ?? {}), `${name} mounts undeclared volume ${volume}`);
    }
    // The API must not run without its tokens: Compose refuses the file without API_TOKENS, saying what to set.
    assert.throws(() => loadCompose(text, {}), /required variable API_TOKENS is missing a value: set API_TOKENS/);
    // The schema check bites: a misspelt key is refused, naming it.
    assert.throws(
      () => loadCompose(text.replace('restart: unless-stopped', 'restrat: unless-stopped'), env),
      /must NOT have additional properties.*restrat/,
    );
  });

  it('carries no simulator by default: the demo profile alone adds it, from the demo image', () => {
    const defaults = activeServices(file);
    assert.deepEqual(defaults, PRODUCTION_SERVICES, 'the services `docker compose up` runs by default');
    for (const name of defaults) {
      const service = file.services[name]!;
      assert.doesNotMatch(JSON.stringify(service), /simulator|"target":"demo"/, `${name} mentions the simulator`);
      const build = service.build as { target?: string } | undefined;
      if (build) assert.ok(PRODUCT_TARGETS.includes(build.target ?? ''), `${name} builds ${String(build.target)}`);
    }

    assert.deepEqual(activeServices(file, ['demo']), [...PRODUCTION_SERVICES, 'cucm-simulator'].sort());
    const simulator = file.services['cucm-simulator']!;
    assert.deepEqual(simulator.profiles, ['demo']);
    assert.equal((simulator.build as { target?: string } | undefined)?.target, 'demo');
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
    for (const [name, service] of Object.entries(file.services)) {
      if (!PRODUCT_TARGETS.includes((service.build as { target?: string } | undefined)?.target ?? '')) continue;
      const command = JSON.stringify(service.command ?? []);
      assert.doesNotMatch(command, /tsx/, `${name} runs tsx`);
      assert.match(command, /"dist\/\S+\.js"/, `${name} runs compiled JavaScript from dist/`);
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

  it('runs the Temporal server version the production suite tests, its schema set up by the same script', () => {
    const version = /TEMPORAL_SERVER_VERSION = '(v[\d.]+)'/.exec(
      readFileSync(join(root, 'scripts', 'temporal-server.ts'), 'utf8'),
    )?.[1];
    assert.ok(version, 'scripts/temporal-server.ts pins TEMPORAL_SERVER_VERSION');
    assert.equal(file.services.temporal?.image, `temporalio/server:${version.slice(1)}`, 'the compose server image');
    assert.doesNotMatch(text, /auto-setup/, 'no auto-setup image (a development convenience)');
    const tools = dockerStages().get('temporal-tools')?.join('\n') ?? '';
    assert.match(
      tools,
      new RegExp(`cmd/server@${version} go\\.temporal\\.io/server/cmd/tools/sql@${version}`),
      'the Dockerfile builds the same version',
    );
    const schema = file.services['temporal-schema'];
    assert.deepEqual(schema?.command, ['node', 'dist/scripts/temporal-setup.js', 'schema']);
    assert.deepEqual(file.services.setup?.command, ['node', 'dist/scripts/temporal-setup.js', 'namespace']);
    const dependsOn = file.services.temporal?.depends_on as Record<string, { condition?: string }> | undefined;
    assert.equal(
      dependsOn?.['temporal-schema']?.condition,
      'service_completed_successfully',
      'the schema is set up before the server starts',
    );
  });
});
