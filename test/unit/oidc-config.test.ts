/** The OpenID Connect settings (api/oidc.ts): what is accepted, and a refusal that names the variable to fix. */
import assert from 'node:assert/strict';
import { authFromEnvironment } from '../../api/auth';
import { looksLikeJwt, parseOidcSettings } from '../../api/oidc';

const base = { OIDC_ISSUER: 'https://login.example.com/realms/uc', OIDC_AUDIENCE: 'cucm-cert-regen' };

describe('OpenID Connect settings', () => {
  it('reads the settings with their defaults', () => {
    const s = parseOidcSettings({ ...base, OIDC_ROLE_MAP: '{"cucm-approvers":"approver"}' });
    assert.deepEqual(
      [s.audience, s.rolesClaim, s.nameClaim, s.roleMap, s.clockToleranceSeconds, s.jwksUrl],
      [['cucm-cert-regen'], 'roles', 'sub', { 'cucm-approvers': 'approver' }, 30, undefined],
    );
  });

  it('refuses each bad setting, naming it', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ OIDC_AUDIENCE: 'x' }, /OIDC_ISSUER is not set/],
      [{ OIDC_ISSUER: base.OIDC_ISSUER }, /OIDC_AUDIENCE is not set/],
      [{ ...base, OIDC_ISSUER: 'http://login.example.com' }, /OIDC_ISSUER.*https/],
      [{ ...base, OIDC_ROLE_MAP: '{"x":"admin"}' }, /OIDC_ROLE_MAP\["x"\] must be one of viewer, operator, approver/],
      [{ ...base, OIDC_ROLE_MAP: '[1]' }, /OIDC_ROLE_MAP must be a JSON object/],
      [{ ...base, OIDC_ALGORITHMS: 'HS256' }, /OIDC_ALGORITHMS: HS256 not accepted/],
      [{ ...base, OIDC_CLOCK_TOLERANCE_SECONDS: '3600' }, /OIDC_CLOCK_TOLERANCE_SECONDS/],
      [{ ...base, OIDC_AUDIENCES: 'x' }, /Unknown setting OIDC_AUDIENCES: did you mean OIDC_AUDIENCE\?/],
    ];
    for (const [env, why] of cases) assert.throws(() => parseOidcSettings(env), why, JSON.stringify(env));
  });

  it('ignores OIDC_ variables of other software that are no near miss of a setting', () => {
    assert.equal(parseOidcSettings({ ...base, OIDC_CLIENT_SECRET: 'x' }).issuer, base.OIDC_ISSUER);
  });

  it('lets OpenID Connect stand alone, without API_TOKENS', () => {
    const auth = authFromEnvironment({ apiAuthDisabled: false, oidc: base });
    assert.ok(!('disabled' in auth) && auth.tokens.length === 0 && auth.oidc);
    assert.throws(() => authFromEnvironment({ apiAuthDisabled: false }), /OIDC_ISSUER and OIDC_AUDIENCE/);
  });

  it('tells a JWT from a static token', () => {
    assert.equal(looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln'), true);
    assert.equal(looksLikeJwt('3f9a0c6e1b2d4f5a6b7c8d9e0f1a2b3c'), false);
  });
});
