/**
 * OpenID Connect bearer tokens and verified identities, every layer real: an OpenID provider (the `oidc-provider`
 * package, serving its discovery document and JWKS on loopback) issues access tokens through its client_credentials
 * grant; the API finds its keys through discovery and checks each token; a run on Temporal and the simulator stops
 * at its gate. An approver's token approves; expired, not-yet-valid, wrongly signed, wrong-issuer and
 * wrong-audience tokens get 401 with `error="invalid_token"`; a viewer gets 403; static tokens keep working. The
 * run's document, its /events and its change report name the token's subject as verified. A decision sent straight
 * to Temporal (as the Web UI does) is shown with Temporal's record of its sender, unverified, even when its payload
 * claims otherwise.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { authFromEnvironment } from '../../api/auth';
import { approveSignal, decideGateSignal } from '../../domain/messages';
import { startSystem, type System } from '../support/system';
import { freePort, waitFor } from '../support/net';
import { signCsr } from '../support/pki';

const AUDIENCE = 'https://cucm-cert-regen.example/api';
const API_IDENTITY = 'cucm-cert-regen-api@oidc-test';
const UI_IDENTITY = 'alice@temporal-ui';
/** The provider's clients, standing for people: the client id is the token's subject; roles go in "roles". */
const PEOPLE = {
  'alice.approver': ['approver'],
  'vic.viewer': ['viewer'],
  'grace.groups': ['cucm-approvers'],
} as const;
type Person = keyof typeof PEOPLE;
const SECRET = randomBytes(24).toString('hex');
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

const cluster = (id: string) => ({
  id,
  version: '14.0.1.13900-155',
  nodes: [{ name: `${id}-pub`, role: 'publisher' as const }],
});

interface Answer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
  text: string;
}

async function call(url: string, token: string, body?: unknown, accept?: string): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (accept) headers.accept = accept;
  const response = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

/** The OpenID provider on loopback, signing with `key` (its only key, published in its JWKS). */
async function startProvider(key: JWK): Promise<{ issuer: string; server: Server }> {
  // oidc-provider is an ES module: loaded as one.
  const { default: Provider } = await import('oidc-provider');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const provider = new Provider(issuer, {
    clients: Object.keys(PEOPLE).map((client_id) => ({
      client_id,
      client_secret: SECRET,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
    })),
    jwks: { keys: [key] },
    ttl: { ClientCredentials: 600 },
    features: {
      clientCredentials: { enabled: true },
      // Access tokens as JWTs (RFC 9068) for the API's audience.
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'cucm',
          audience: AUDIENCE,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    extraTokenClaims: (_ctx: unknown, token: { clientId?: string }) => ({
      roles: PEOPLE[token.clientId as Person] ?? [],
    }),
  });
  server.on('request', provider.callback());
  return { issuer, server };
}

/** An access token from the provider's token endpoint (client_credentials grant). */
async function tokenFor(issuer: string, person: Person): Promise<string> {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${person}:${SECRET}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'cucm', resource: AUDIENCE }).toString(),
  });
  const body = (await response.json()) as { access_token?: string };
  assert.equal(response.status, 200, `the provider issued a token for ${person}: ${JSON.stringify(body)}`);
  assert.match(String(body.access_token), /^[^.]+\.[^.]+\.[^.]+$/, 'the access token is a JWT');
  return body.access_token as string;
}

describe('API: OpenID Connect tokens and verified identities', function () {
  this.timeout(180_000);
  let system: System;
  let issuer: string;
  let provider: Server;
  let providerKey: JWK;
  let providerPrivate: PrivateKey;
  const operatorToken = randomBytes(24).toString('hex');

  before(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    providerPrivate = pair.privateKey;
    providerKey = { ...(await exportJWK(pair.privateKey)), kid: 'provider-key-1', alg: 'RS256', use: 'sig' };
    ({ issuer, server: provider } = await startProvider(providerKey));
    process.env.OPERATOR_TOKEN_FOR_OIDC_TEST = operatorToken;
    // As api/main.ts reads them: a static operator token beside the OpenID provider; keys found through discovery.
    const auth = authFromEnvironment({
      apiAuthDisabled: false,
      apiTokensJson: JSON.stringify([{ name: 'olga', role: 'operator', tokenRef: 'env:OPERATOR_TOKEN_FOR_OIDC_TEST' }]),
      oidc: {
        OIDC_ISSUER: issuer,
        OIDC_AUDIENCE: AUDIENCE,
        OIDC_ROLE_MAP: JSON.stringify({ 'cucm-approvers': 'approver' }),
        OIDC_CLOCK_TOLERANCE_SECONDS: '0',
      },
    });
    assert.ok(!('disabled' in auth) && auth.oidc, 'OpenID Connect is configured');
    await auth.oidc.start();
    system = await startSystem(
      'oidc',
      [cluster('o1'), cluster('o2'), cluster('o3'), cluster('o4'), { ...cluster('o5'), caSignedUnits: ['tomcat'] }],
      undefined,
      {
        auth,
        apiIdentity: API_IDENTITY,
      },
    );
  });
  after(async () => {
    await system?.stop();
    provider?.close();
    delete process.env.OPERATOR_TOKEN_FOR_OIDC_TEST;
  });

  const url = (path: string) => `${system.baseUrl}${path}`;
  /** Starts a tomcat run with the static operator token and waits for its before-start gate. */
  async function runAtGate(clusterId: string): Promise<{ id: string; gate: string }> {
    const started = await call(url(`/v1/clusters/${clusterId}/regenerations`), operatorToken, { units: ['tomcat'] });
    assert.equal(started.status, 202, `the static operator token still starts runs: ${started.text}`);
    const id = started.json.id as string;
    const gate = await waitFor(`the before-start gate of ${id}`, async () => {
      const d = await call(url(`/v1/regenerations/${id}`), operatorToken);
      const gates = (d.json.pendingGates ?? []) as Array<{ id: string; kind: string }>;
      return gates.find((g) => g.kind === 'before-start')?.id;
    });
    return { id, gate };
  }
  const completed = (id: string) =>
    waitFor(`run ${id} to end`, async () => {
      const d = await call(url(`/v1/regenerations/${id}`), operatorToken);
      return ['completed', 'failed', 'aborted'].includes(String(d.json.status)) ? d.json : undefined;
    });

  /** A token signed with `key` (by default the provider's own), with these claims over sensible defaults. */
  async function signed(claims: Record<string, unknown>, key: PrivateKey = providerPrivate, kid = 'provider-key-1') {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ roles: ['approver'], ...claims })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer((claims.iss as string | undefined) ?? issuer)
      .setAudience((claims.aud as string | undefined) ?? AUDIENCE)
      .setSubject('alice.approver')
      .setIssuedAt((claims.iat as number | undefined) ?? now - 60)
      .setExpirationTime((claims.exp as number | undefined) ?? now + 300)
      .sign(key);
  }

  it('an approver token approves the gate; the document, /events and the report name its subject as verified', async () => {
    const { id, gate } = await runAtGate('o1');
    const token = await tokenFor(issuer, 'alice.approver');
    const decided = await call(url(`/v1/regenerations/${id}/gates/${encodeURIComponent(gate)}`), token, {
      decision: 'approve',
      comment: 'CHG-7001',
    });
    assert.equal(decided.status, 200, `the approver's OpenID Connect token decides: ${decided.text}`);
    assert.equal(decided.json.by, 'alice.approver', "the decider is the token's subject");
    const done = await completed(id);
    assert.equal(done.status, 'completed', String(done.error));
    assert.equal(done.requestedVia, 'api-token', 'the static token that started the run is recorded as how');
    const decision = (done.decisions as Array<Record<string, unknown>>).find((d) => d.gateId === gate);
    assert.deepEqual(
      [decision?.by, decision?.verified, decision?.via, decision?.authenticatedBy, decision?.temporalIdentity],
      ['alice.approver', true, 'oidc', 'oidc', API_IDENTITY],
      `the document's decision is the OIDC subject, verified, sent by the API: ${JSON.stringify(decision)}`,
    );
    assert.deepEqual(decision?.groups, ['approver'], 'the roles claim is kept with the decision');
    const events = await call(url(`/v1/regenerations/${id}/events`), token);
    const event = (events.json.events as Array<Record<string, unknown>>).find((e) => e.type === 'decision');
    assert.deepEqual(
      [event?.by, event?.verified, event?.via, event?.temporalIdentity],
      ['alice.approver', true, 'oidc', API_IDENTITY],
      `the audit trail says who, verified, and how: ${JSON.stringify(event)}`,
    );
    const report = await call(url(`/v1/regenerations/${id}/report?format=json`), token);
    const reported = (report.json.decisions as Array<Record<string, unknown>>).find((d) => d.gateId === gate);
    assert.deepEqual(
      [reported?.by, reported?.verified, reported?.via],
      ['alice.approver', true, 'oidc'],
      `the change report names the subject as verified: ${JSON.stringify(reported)}`,
    );
    const markdown = await call(url(`/v1/regenerations/${id}/report?format=md`), token);
    assert.match(
      markdown.text,
      /\| alice\.approver \| yes \| API, OpenID Connect \(Temporal identity: cucm-cert-regen-api@oidc-test\) \|/,
      'the Markdown report says verified and how',
    );
  });

  it('refuses expired, not-yet-valid, wrongly signed, wrong-issuer and wrong-audience tokens with 401 invalid_token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const stranger = await generateKeyPair('RS256');
    const cases: Array<[string, Promise<string>, RegExp]> = [
      ['expired', signed({ exp: now - 120, iat: now - 600 }), /expired/],
      ['not yet valid', signed({ nbf: now + 600 }), /not valid before/],
      ['signed by another key under the provider key id', signed({}, stranger.privateKey), /signature/],
      [
        'signed by a key the provider does not publish',
        signed({}, stranger.privateKey, 'stranger'),
        /does not publish/,
      ],
      ['issued by another issuer', signed({ iss: 'https://login.other.example' }), /issued by/],
      ['meant for another audience', signed({ aud: 'https://other.example/api' }), /not for this API/],
    ];
    for (const [what, token, why] of cases) {
      const answer = await call(url('/v1/regenerations'), await token);
      assert.equal(answer.status, 401, `a token ${what} is refused: ${answer.text}`);
      assert.match(
        String(answer.headers.get('www-authenticate')),
        /error="invalid_token"/,
        `a token ${what}: the challenge says invalid_token`,
      );
      assert.match(String(answer.json.detail), why, `a token ${what}: the problem says why`);
    }
    const good = await call(url('/v1/regenerations'), await signed({}));
    assert.equal(good.status, 200, `the same claims signed by the provider's key pass: ${good.text}`);
  });

  it("gives a viewer's token 403 on a decision, and maps a group to a role with OIDC_ROLE_MAP", async () => {
    const { id, gate } = await runAtGate('o2');
    const viewer = await tokenFor(issuer, 'vic.viewer');
    assert.equal((await call(url(`/v1/regenerations/${id}`), viewer)).status, 200, 'a viewer reads');
    const refused = await call(url(`/v1/regenerations/${id}/gates/${encodeURIComponent(gate)}`), viewer, {
      decision: 'approve',
    });
    assert.equal(refused.status, 403, `a viewer does not decide: ${refused.text}`);
    assert.match(String(refused.json.detail), /vic\.viewer.*viewer.*needs an approver token/);
    const grouped = await tokenFor(issuer, 'grace.groups');
    const decided = await call(url(`/v1/regenerations/${id}/gates/${encodeURIComponent(gate)}`), grouped, {
      decision: 'approve',
    });
    assert.equal(decided.status, 200, `the cucm-approvers group maps to approver: ${decided.text}`);
    const done = await completed(id);
    const decision = (done.decisions as Array<Record<string, unknown>>)[0];
    assert.deepEqual(decision?.groups, ['cucm-approvers', 'approver'], 'the group and the role it maps to are kept');
  });

  it("records a Temporal UI decision with the history's identity, unverified, even when its payload claims verified", async () => {
    const ui = new Client({ connection: system.env.client.connection, namespace: 'default', identity: UI_IDENTITY });
    const { id } = await runAtGate('o3');
    // The Web UI's approve signal, with the name typed in.
    await ui.workflow.getHandle(id).signal(approveSignal, { approver: 'mallory' });
    const done = await completed(id);
    assert.equal(done.status, 'completed', String(done.error));
    const decision = (done.decisions as Array<Record<string, unknown>>)[0];
    assert.deepEqual(
      [decision?.by, decision?.verified, decision?.via, decision?.temporalIdentity],
      ['mallory', false, 'temporal-ui', UI_IDENTITY],
      `the name typed in, unverified, next to Temporal's record of the sender: ${JSON.stringify(decision)}`,
    );
    const operator = operatorToken;
    const report = await call(url(`/v1/regenerations/${id}/report?format=md`), operator);
    assert.match(
      report.text,
      /\| mallory \| no \| Temporal UI or another Temporal client \(Temporal identity: alice@temporal-ui\) \|/,
      'the report shows the decision unverified, with the identity Temporal recorded',
    );

    // A decision sent to Temporal directly that says "verified" is not counted: the history says who sent it.
    const forged = await runAtGate('o3');
    await ui.workflow.getHandle(forged.id).signal(decideGateSignal, {
      gateId: forged.gate,
      decision: 'approve',
      by: 'alice.approver',
      verified: true,
      authenticatedBy: 'oidc',
    });
    const forgedDone = await completed(forged.id);
    const claimed = (forgedDone.decisions as Array<Record<string, unknown>>)[0];
    assert.deepEqual(
      [claimed?.by, claimed?.verified, claimed?.via, claimed?.temporalIdentity],
      ['alice.approver', false, 'temporal-ui', UI_IDENTITY],
      `a forged "verified" is shown unverified: ${JSON.stringify(claimed)}`,
    );
    assert.match(String(claimed?.unverifiedReason), /not from this API/);
    const events = await call(url(`/v1/regenerations/${forged.id}/events`), operator);
    const event = (events.json.events as Array<Record<string, unknown>>).find((e) => e.type === 'decision');
    assert.deepEqual([event?.verified, event?.temporalIdentity], [false, UI_IDENTITY], 'the audit trail agrees');
  });

  it("a rotation: an OIDC approval and a Temporal UI one, each matched through the rotation's history", async () => {
    const ui = new Client({ connection: system.env.client.connection, namespace: 'default', identity: UI_IDENTITY });
    const started = await call(url('/v1/clusters/o4/regenerations'), operatorToken, {
      units: ['tomcat', 'tomcat-ECDSA'],
      approvals: ['before-start'],
    });
    assert.equal(started.status, 202, started.text);
    const id = started.json.id as string;
    const gateOf = (unit: string) =>
      waitFor(`the before-start gate of ${unit}`, async () => {
        const d = await call(url(`/v1/regenerations/${id}`), operatorToken);
        const gates = (d.json.pendingGates ?? []) as Array<{ id: string }>;
        return d.json.currentUnit === unit ? gates.find((g) => g.id === `${unit}.before-start-1`)?.id : undefined;
      });
    const token = await tokenFor(issuer, 'alice.approver');
    const first = await gateOf('tomcat');
    const decided = await call(url(`/v1/regenerations/${id}/gates/${encodeURIComponent(first)}`), token, {
      decision: 'approve',
    });
    assert.equal(decided.status, 200, decided.text);
    // The second unit's gate from the Temporal UI, signalled to the rotation (which forwards it to its unit run).
    const second = await gateOf('tomcat-ECDSA');
    await ui.workflow.getHandle(id).signal(approveSignal, { gateId: second, approver: 'mallory' });
    const done = await completed(id);
    assert.equal(done.status, 'completed', String(done.error));
    const report = await call(url(`/v1/regenerations/${id}/report?format=json`), token);
    const decisions = report.json.decisions as Array<Record<string, unknown>>;
    assert.deepEqual(
      decisions.map((d) => [d.unit, d.by, d.verified, d.via, d.temporalIdentity]),
      [
        ['tomcat', 'alice.approver', true, 'oidc', API_IDENTITY],
        ['tomcat-ECDSA', 'mallory', false, 'temporal-ui', UI_IDENTITY],
      ],
      `each unit's decision with the identity the rotation's history recorded: ${JSON.stringify(decisions)}`,
    );
  });

  it('a chain posted with a static token is recorded as verified, via api-token', async () => {
    const ca = system.lab.sim.cluster('o5').ca;
    assert.ok(ca, 'the simulated enterprise CA of o5');
    const started = await call(url('/v1/clusters/o5/regenerations'), operatorToken, {
      units: ['tomcat'],
      approvals: [],
    });
    assert.equal(started.status, 202, started.text);
    const id = started.json.id as string;
    const csrPem = await waitFor('the CSR at the signed-certificate gate', async () => {
      const d = await call(url(`/v1/regenerations/${id}`), operatorToken);
      return (d.json.csrs as Array<{ nodeId: string; csrPem: string }> | undefined)?.find((c) => c.nodeId === 'o5-pub')
        ?.csrPem;
    });
    const posted = await call(url(`/v1/regenerations/${id}/chains`), operatorToken, {
      nodeId: 'o5-pub',
      chainPem: `${signCsr(csrPem, ca)}${ca.pem}`,
    });
    assert.equal(posted.status, 200, posted.text);
    const done = await completed(id);
    assert.equal(done.status, 'completed', String(done.error));
    const chain = (done.decisions as Array<Record<string, unknown>>).find((d) => d.kind === 'signed-certificate');
    assert.deepEqual(
      [chain?.by, chain?.verified, chain?.via, chain?.temporalIdentity],
      ['olga', true, 'api-token', API_IDENTITY],
      `the chain's submitter, verified by the static token: ${JSON.stringify(chain)}`,
    );
  });

  it('the API process stops at start on a wrong OpenID Connect setting, saying which', async () => {
    const run = async (env: NodeJS.ProcessEnv) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'api', 'main.ts')], {
        env: {
          ...process.env,
          API_TOKENS: '',
          API_AUTH_DISABLED: '',
          API_PORT: String(await freePort()),
          TEMPORAL_ADDRESS: system.env.address,
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output: string[] = [];
      child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
      child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      return { code, text: output.join('') };
    };
    const noAudience = await run({ OIDC_ISSUER: issuer });
    assert.equal(noAudience.code, 1, noAudience.text);
    assert.match(noAudience.text, /OIDC_AUDIENCE is not set/);
    // The provider's discovery document names its issuer without the trailing slash: not the same issuer.
    const otherIssuer = await run({ OIDC_ISSUER: `${issuer}/`, OIDC_AUDIENCE: AUDIENCE });
    assert.equal(otherIssuer.code, 1, otherIssuer.text);
    assert.match(otherIssuer.text, /names the issuer .* not OIDC_ISSUER=/);
    const typo = await run({ OIDC_ISSUER: issuer, OIDC_AUDIENCE: AUDIENCE, OIDC_ROLES_CLAIMS: 'groups' });
    assert.equal(typo.code, 1, typo.text);
    assert.match(typo.text, /Unknown setting OIDC_ROLES_CLAIMS: did you mean OIDC_ROLES_CLAIM\?/);
  });
});
