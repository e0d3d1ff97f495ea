import assert from 'node:assert/strict';
import { loadConfig } from '../../config';

describe('configuration', () => {
  it('defaults to the embedded system on loopback', () => {
    const config = loadConfig({});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.apiPort, 3000);
    assert.equal(config.temporalAddress, '127.0.0.1:7233');
    assert.equal(config.temporalUiPort, 8233);
    assert.equal(config.temporalNamespace, 'default');
    assert.equal(config.temporalConnection.external, false);
  });

  it('follows the environment, and an existing Temporal with TLS', () => {
    const config = loadConfig({
      API_PORT: '8080',
      TEMPORAL_ADDRESS: 'temporal.example:7233',
      TEMPORAL_NAMESPACE: 'uc',
      TEMPORAL_TLS: 'true',
      DATA_DIR: '/tmp/x',
    });
    assert.equal(config.apiPort, 8080);
    assert.equal(config.temporalAddress, 'temporal.example:7233');
    assert.equal(config.temporalNamespace, 'uc');
    assert.equal(config.temporalConnection.profile.tls?.disabled, false, 'TEMPORAL_TLS=true turns TLS on');
    assert.equal(config.dataDir, '/tmp/x');
  });

  it('rejects a port that is not a port, naming the variable', () => {
    assert.throws(() => loadConfig({ API_PORT: 'eighty' }), /API_PORT=eighty is not a valid port/);
  });

  it('takes the RisPort window from RISPORT_WINDOW_MS (a minute by default), refusing one over a minute', () => {
    assert.equal(loadConfig({}).risportWindowMs, 60_000);
    assert.equal(loadConfig({ RISPORT_WINDOW_MS: '20000' }).risportWindowMs, 20_000);
    assert.throws(() => loadConfig({ RISPORT_WINDOW_MS: '90000' }), /RISPORT_WINDOW_MS=90000/);
  });
});
