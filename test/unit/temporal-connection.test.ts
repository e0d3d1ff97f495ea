/**
 * Temporal's standard client settings (profile file, TEMPORAL_* variables, API key, mTLS paths) as the connection
 * options the worker, the API and the scripts connect with; and the message a refused connection turns into.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { accessFailure } from '../../clients/temporal';
import { loadConfig } from '../../config';
import { temporalConnectionOptions } from '../../config/temporal';

function optionsOf(env: NodeJS.ProcessEnv) {
  const config = loadConfig(env);
  return { config, options: temporalConnectionOptions(config.temporalConnection) };
}

function tlsOf(options: { tls?: TLSConfig | boolean | null }): TLSConfig {
  assert.equal(typeof options.tls, 'object', `expected a TLS configuration, got ${JSON.stringify(options.tls)}`);
  return options.tls as TLSConfig;
}

const PROFILES = `
[profile.default]
address = "default.example:7233"
namespace = "from-default"

[profile.cloud]
address = "uc-prod.a1b2c.tmprl.cloud:7233"
namespace = "uc-prod.a1b2c"
api_key = "key-from-the-profile"

[profile.cloud.tls]
server_name = "uc-prod.a1b2c.tmprl.cloud"

[profile.cloud.grpc_meta]
temporal-namespace = "uc-prod.a1b2c"
`;

describe('Temporal connection settings (@temporalio/envconfig)', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'envconfig-'));
    file = join(dir, 'temporal.toml');
    writeFileSync(file, PROFILES);
  });

  it('without any setting: the dev server on TEMPORAL_PORT, in clear, no key, so npm start starts it', () => {
    const { config, options } = optionsOf({ TEMPORAL_PORT: '7300' });
    assert.equal(options.address, '127.0.0.1:7300');
    assert.equal(config.temporalNamespace, 'default');
    assert.equal(config.temporalConnection.external, false, 'no address was configured: the dev server is wanted');
    assert.equal(options.tls, undefined);
    assert.equal(options.apiKey, undefined);
  });

  it('TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and TEMPORAL_API_KEY: the key as bearer token, over TLS', () => {
    const { config, options } = optionsOf({
      TEMPORAL_ADDRESS: 'temporal.example:7233',
      TEMPORAL_NAMESPACE: 'uc',
      TEMPORAL_API_KEY: 'secret-key',
    });
    assert.equal(options.address, 'temporal.example:7233');
    assert.equal(config.temporalAddress, 'temporal.example:7233');
    assert.equal(config.temporalNamespace, 'uc');
    assert.equal(config.temporalConnection.external, true);
    assert.equal(options.apiKey, 'secret-key');
    assert.equal(options.tls, true, 'an API key turns TLS on (Temporal Cloud), as Temporal CLI and SDKs do');
  });

  it('TEMPORAL_TLS=false sends the key in clear (a cluster without TLS); an empty variable counts as unset', () => {
    const { config, options } = optionsOf({
      TEMPORAL_ADDRESS: '',
      TEMPORAL_API_KEY: 'k',
      TEMPORAL_TLS: 'false',
    });
    assert.equal(options.tls, false);
    assert.equal(options.apiKey, 'k');
    assert.equal(config.temporalConnection.external, false, 'TEMPORAL_ADDRESS="" must not be taken as an address');
    assert.equal(options.address, '127.0.0.1:7233');
  });

  it('TEMPORAL_PROFILE picks a profile of TEMPORAL_CONFIG_FILE: address, namespace, key, TLS name, gRPC metadata', () => {
    const { config, options } = optionsOf({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' });
    assert.equal(options.address, 'uc-prod.a1b2c.tmprl.cloud:7233');
    assert.equal(config.temporalNamespace, 'uc-prod.a1b2c');
    assert.equal(options.apiKey, 'key-from-the-profile');
    assert.equal(tlsOf(options).serverNameOverride, 'uc-prod.a1b2c.tmprl.cloud');
    assert.deepEqual(options.metadata, { 'temporal-namespace': 'uc-prod.a1b2c' });
    assert.match(config.temporalConnection.source, /profile "cloud" of .*temporal\.toml/);
  });

  it('a variable overrides the same setting of the profile', () => {
    const { config, options } = optionsOf({
      TEMPORAL_CONFIG_FILE: file,
      TEMPORAL_PROFILE: 'cloud',
      TEMPORAL_NAMESPACE: 'uc-staging.a1b2c',
      TEMPORAL_API_KEY: 'key-from-the-environment',
    });
    assert.equal(config.temporalNamespace, 'uc-staging.a1b2c');
    assert.equal(options.apiKey, 'key-from-the-environment');
    assert.equal(options.address, 'uc-prod.a1b2c.tmprl.cloud:7233');
  });

  it("reads the default profile of the user's file (XDG_CONFIG_HOME, else HOME/.config) when none is named", () => {
    mkdirSync(join(dir, '.config', 'temporalio'), { recursive: true });
    writeFileSync(join(dir, '.config', 'temporalio', 'temporal.toml'), PROFILES);
    const { config } = optionsOf({ HOME: dir });
    assert.equal(config.temporalAddress, 'default.example:7233');
    assert.equal(config.temporalNamespace, 'from-default');
    assert.equal(config.temporalConnection.external, true);
    assert.equal(optionsOf({ HOME: join(dir, 'nowhere') }).config.temporalConnection.external, false);
  });

  it('refuses a profile that is not in the file, naming the profile and the file', () => {
    assert.throws(
      () => loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' }),
      (err: Error) => {
        assert.match(err.message, /profile "staging" \(TEMPORAL_PROFILE\)/);
        assert.ok(err.message.includes(file), `the message names the file: ${err.message}`);
        return true;
      },
    );
  });

  it('mTLS from the TEMPORAL_TLS_*_PATH variables: the files are read into the client certificate pair and CA', () => {
    writeFileSync(join(dir, 'client.pem'), 'CLIENT CERT');
    writeFileSync(join(dir, 'client.key'), 'CLIENT KEY');
    writeFileSync(join(dir, 'ca.pem'), 'CA CERT');
    const { options } = optionsOf({
      TEMPORAL_ADDRESS: 'temporal.example:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'client.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'client.key'),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: 'frontend.temporal',
    });
    const tls = tlsOf(options);
    assert.equal(Buffer.from(tls.clientCertPair!.crt).toString(), 'CLIENT CERT');
    assert.equal(Buffer.from(tls.clientCertPair!.key).toString(), 'CLIENT KEY');
    assert.equal(Buffer.from(tls.serverRootCACertificate!).toString(), 'CA CERT');
    assert.equal(tls.serverNameOverride, 'frontend.temporal');
  });

  it('still reads the former TEMPORAL_TLS_CERT/KEY/CA when the standard names are unset', () => {
    writeFileSync(join(dir, 'old.pem'), 'OLD CERT');
    writeFileSync(join(dir, 'new.pem'), 'NEW CERT');
    writeFileSync(join(dir, 'old.key'), 'OLD KEY');
    writeFileSync(join(dir, 'old-ca.pem'), 'OLD CA');
    const old = optionsOf({
      TEMPORAL_TLS_CERT: join(dir, 'old.pem'),
      TEMPORAL_TLS_KEY: join(dir, 'old.key'),
      TEMPORAL_TLS_CA: join(dir, 'old-ca.pem'),
    });
    assert.equal(Buffer.from(tlsOf(old.options).clientCertPair!.crt).toString(), 'OLD CERT');
    assert.equal(Buffer.from(tlsOf(old.options).serverRootCACertificate!).toString(), 'OLD CA');
    const both = optionsOf({
      TEMPORAL_TLS_CERT: join(dir, 'old.pem'),
      TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'new.pem'),
      TEMPORAL_TLS_KEY: join(dir, 'old.key'),
    });
    assert.equal(Buffer.from(tlsOf(both.options).clientCertPair!.crt).toString(), 'NEW CERT', 'the standard name wins');
  });

  it('a TLS file that cannot be read fails with the variable to fix', () => {
    const config = loadConfig({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'missing-ca.pem') });
    assert.throws(
      () => temporalConnectionOptions(config.temporalConnection),
      /cannot read a TLS file .*TEMPORAL_TLS_\*_PATH.*missing-ca\.pem/,
    );
  });

  describe('the message when Temporal refuses the connection', () => {
    const refused = Object.assign(new Error('7 PERMISSION_DENIED: Request unauthorized.'), { code: 7 });

    it('without a key: says none was sent and names TEMPORAL_API_KEY', () => {
      const message = accessFailure(loadConfig({ TEMPORAL_ADDRESS: 'temporal.example:7233' }), refused).message;
      assert.match(message, /Temporal at temporal\.example:7233 \(namespace default, .*\) refused this process/);
      assert.match(message, /which sent no API key: 7 PERMISSION_DENIED: Request unauthorized\./);
      assert.match(message, /Set TEMPORAL_API_KEY/);
    });

    it('with a key: says one was sent, never what it is', () => {
      const config = loadConfig({ TEMPORAL_ADDRESS: 'temporal.example:7233', TEMPORAL_API_KEY: 'sk-very-secret' });
      const message = accessFailure(
        config,
        Object.assign(new Error('16 UNAUTHENTICATED: bad token'), { code: 16 }),
      ).message;
      assert.match(message, /which sent an API key \(TEMPORAL_API_KEY or the profile's api_key\)/);
      assert.ok(!message.includes('sk-very-secret'), `the key leaked into the message: ${message}`);
    });

    it('recognises a refusal in the shapes the SDK reports at connect (wrapped by Connection, in tonic words)', () => {
      const config = loadConfig({ TEMPORAL_ADDRESS: 'temporal.example:7233', TEMPORAL_API_KEY: 'k' });
      const wrapped = new Error('Failed to connect to Temporal server', { cause: refused });
      assert.match(accessFailure(config, wrapped).message, /refused this process.*Request unauthorized/);
      const native = new Error(
        'Failed to call GetSystemInfo: code: \'The caller does not have permission to execute the specified operation\', message: "Request unauthorized."',
      );
      assert.match(accessFailure(config, native).message, /refused this process/);
      assert.match(accessFailure(config, new Error('Connection refused')).message, /did not answer over TLS/);
    });

    it('a missing namespace: names it and TEMPORAL_NAMESPACE', () => {
      const missing = Object.assign(new Error('5 NOT_FOUND: Namespace uc is not found.'), { code: 5 });
      const message = accessFailure(loadConfig({ TEMPORAL_NAMESPACE: 'uc' }), missing).message;
      assert.match(message, /namespace "uc" does not exist on Temporal at 127\.0\.0\.1:7233/);
      assert.match(message, /scripts\/temporal-setup\.ts namespace.*or set TEMPORAL_NAMESPACE to one that exists/);
    });
  });
});
