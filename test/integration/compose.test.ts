/**
 * docker-compose.yml is well formed and wires what the README says. No Docker engine runs here: Debian's
 * docker-compose (v1) validates the file with `config` without one; .ci/run installs it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

describe('docker-compose.yml', () => {
  it('validates with docker-compose config and runs Temporal+PostgreSQL, the UI, the worker and the API', function () {
    if (spawnSync('docker-compose', ['version']).status !== 0) this.skip();
    const env = {
      ...process.env,
      API_TOKENS: '[{"name":"ops","role":"operator","tokenRef":"file:/run/api-secrets/ops"}]',
    };
    const result = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], {
      cwd: root,
      encoding: 'utf8',
      env,
    });
    assert.equal(result.status, 0, result.stderr);
    const services = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '--services'], {
      cwd: root,
      encoding: 'utf8',
      env,
    })
      .stdout.split('\n')
      .filter(Boolean);
    assert.deepEqual(services.sort(), ['api', 'postgresql', 'setup', 'temporal', 'temporal-ui', 'worker']);
    assert.match(result.stdout, /DB: postgres12/);
    assert.match(result.stdout, /build:\s+context:/);
    // The API must not run without its tokens: compose refuses the file without API_TOKENS.
    const { API_TOKENS: _omit, ...withoutTokens } = env;
    const refused = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], {
      cwd: root,
      encoding: 'utf8',
      env: withoutTokens,
    });
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /set API_TOKENS/);
  });

  it('has a Dockerfile that copies every source folder the processes load', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const runtimeFolders = [
      'activities',
      'cisco-wsdl',
      'api',
      'clients',
      'config',
      'inventory',
      'scripts',
      'simulator',
      'worker',
      'workflows',
    ];
    for (const folder of runtimeFolders)
      assert.match(dockerfile, new RegExp(`^COPY ${folder} \\./${folder}$`, 'm'), `Dockerfile copies ${folder}/`);
    // Every top-level source folder is either copied or deliberately left out of the image.
    const tsFolders = readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== 'node_modules')
      .map((d) => d.name);
    for (const folder of tsFolders)
      assert.ok(
        runtimeFolders.includes(folder) || ['test', 'bench', 'docs'].includes(folder),
        `${folder}/ is neither copied nor excluded on purpose`,
      );
  });
});
