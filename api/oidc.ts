/**
 * OpenID Connect bearer tokens: an access token is a JWT signed by the identity provider; the API checks its
 * signature against the keys the provider publishes (its JWKS, found through the issuer's discovery document,
 * OpenID Connect Discovery 1.0, or at OIDC_JWKS_URL), its issuer and audience against the configuration, and its
 * validity period (exp, nbf, with a small clock tolerance), with `jose` (RFC 7515/7517/7519). The keys are fetched
 * once and kept; a token signed with a key the set does not hold makes jose fetch the set again (at most every 30 s),
 * so a provider's key rotation needs no restart.
 *
 * The caller's identity is the token's subject (`sub`), or the claim OIDC_NAME_CLAIM names; its roles are the values
 * of OIDC_ROLES_CLAIM (default `roles`; a dotted path such as `realm_access.roles` reaches a nested claim), mapped to
 * the API's roles by OIDC_ROLE_MAP (a value named like a role maps to it by default). The values themselves are kept
 * as the caller's groups, which an approval policy may name.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { AuthConfigError, ROLES, type Role } from './roles';

/** The token was refused: a 401 with `error="invalid_token"` (RFC 6750 §3.1); the message says why. */
export class OidcTokenError extends Error {
  override name = 'OidcTokenError';
}

/** The provider's keys could not be fetched: not the caller's fault, a 503. */
export class OidcUnavailableError extends Error {
  override name = 'OidcUnavailableError';
}

export interface OidcSettings {
  /** The `iss` every token must carry, exactly (and the discovery document's `issuer`). */
  issuer: string;
  /** The token's `aud` must hold one of these (the API's identifier at the provider). */
  audience: string[];
  /** Where the keys are; unset: the discovery document's `jwks_uri`. */
  jwksUrl?: string;
  /** The claim holding the roles or groups (dotted path for a nested one). */
  rolesClaim: string;
  /** Claim value → API role; values not listed map to the role of the same name, if any. */
  roleMap: Record<string, Role>;
  /** The claim recorded as the caller's name: `sub` unless configured. */
  nameClaim: string;
  /** Signature algorithms accepted (never `none`, never a symmetric one: the API holds no shared secret). */
  algorithms: string[];
  clockToleranceSeconds: number;
}

/** What the API makes of a verified token (./auth.ts's Principal, with the API roles it grants). */
export interface OidcPrincipal {
  name: string;
  role: Role | 'anonymous';
  roles: string[];
  method: 'oidc';
  apiRoles: Role[];
  /** The token's subject (equal to `name` unless OIDC_NAME_CLAIM names another claim). */
  subject: string;
}

const ASYMMETRIC = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];
const DEFAULT_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
/** The settings read from the environment, all under OIDC_ (a typo in a name is refused, not ignored). */
export const OIDC_VARIABLES = [
  'OIDC_ISSUER',
  'OIDC_AUDIENCE',
  'OIDC_JWKS_URL',
  'OIDC_ROLES_CLAIM',
  'OIDC_ROLE_MAP',
  'OIDC_NAME_CLAIM',
  'OIDC_ALGORITHMS',
  'OIDC_CLOCK_TOLERANCE_SECONDS',
] as const;
const CLAIM_PATH = /^[A-Za-z0-9_:/.-]{1,200}$/;

function httpsUrl(name: string, raw: string, allowHttpLoopback = true): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AuthConfigError(`${name}=${raw} is not a URL (e.g. https://login.example.com/realms/uc).`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(allowHttpLoopback && loopback && url.protocol === 'http:'))
    throw new AuthConfigError(
      `${name}=${raw} must be an https:// URL (plain http only for a provider on this machine's loopback).`,
    );
  return raw;
}

/** Levenshtein distance, for telling a typo of a setting's name. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    row = next;
  }
  return row[b.length] ?? 0;
}

/** Parses the OIDC_* settings; throws AuthConfigError naming the variable and what to fix. */
export function parseOidcSettings(env: Record<string, string | undefined>): OidcSettings {
  // A near miss of a setting's name is a typo that would silently drop the setting; other OIDC_ variables may
  // belong to other software sharing the environment.
  for (const k of Object.keys(env)) {
    if (env[k] === undefined || (OIDC_VARIABLES as readonly string[]).includes(k)) continue;
    const meant = OIDC_VARIABLES.find((v) => distance(k, v) <= 2);
    if (meant) throw new AuthConfigError(`Unknown setting ${k}: did you mean ${meant}?`);
  }
  const issuer = env.OIDC_ISSUER;
  if (!issuer)
    throw new AuthConfigError(
      'OIDC_ISSUER is not set, yet other OIDC_ settings are: set it to the provider\'s issuer URL (the "iss" of its tokens).',
    );
  httpsUrl('OIDC_ISSUER', issuer);
  const audience = (env.OIDC_AUDIENCE ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (audience.length === 0)
    throw new AuthConfigError(
      'OIDC_AUDIENCE is not set: set it to the audience ("aud") the provider puts in tokens for this API ' +
        '(its client id or resource identifier there); without it any token of the provider would be accepted.',
    );
  const jwksUrl = env.OIDC_JWKS_URL ? httpsUrl('OIDC_JWKS_URL', env.OIDC_JWKS_URL) : undefined;
  const rolesClaim = env.OIDC_ROLES_CLAIM || 'roles';
  if (!CLAIM_PATH.test(rolesClaim)) throw new AuthConfigError(`OIDC_ROLES_CLAIM=${rolesClaim} is not a claim name.`);
  const nameClaim = env.OIDC_NAME_CLAIM || 'sub';
  if (!CLAIM_PATH.test(nameClaim)) throw new AuthConfigError(`OIDC_NAME_CLAIM=${nameClaim} is not a claim name.`);
  let roleMap: Record<string, Role> = {};
  if (env.OIDC_ROLE_MAP) {
    let raw: unknown;
    try {
      raw = JSON.parse(env.OIDC_ROLE_MAP);
    } catch (err) {
      throw new AuthConfigError(`OIDC_ROLE_MAP is not valid JSON (${(err as Error).message}).`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new AuthConfigError(
        'OIDC_ROLE_MAP must be a JSON object from claim value to role: {"cucm-approvers":"approver","noc":"viewer"}.',
      );
    for (const [value, role] of Object.entries(raw)) {
      if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role))
        throw new AuthConfigError(`OIDC_ROLE_MAP["${value}"] must be one of ${ROLES.join(', ')}.`);
    }
    roleMap = raw as Record<string, Role>;
  }
  const algorithms = env.OIDC_ALGORITHMS ? env.OIDC_ALGORITHMS.split(',').map((a) => a.trim()) : DEFAULT_ALGORITHMS;
  const refused = algorithms.filter((a) => !ASYMMETRIC.includes(a));
  if (refused.length || algorithms.length === 0)
    throw new AuthConfigError(
      `OIDC_ALGORITHMS: ${refused.join(', ') || 'empty'} not accepted; choose among ${ASYMMETRIC.join(', ')} (signatures with the provider's public keys only).`,
    );
  const tolerance = env.OIDC_CLOCK_TOLERANCE_SECONDS ?? '30';
  const clockToleranceSeconds = Number(tolerance);
  if (!Number.isInteger(clockToleranceSeconds) || clockToleranceSeconds < 0 || clockToleranceSeconds > 300)
    throw new AuthConfigError(
      `OIDC_CLOCK_TOLERANCE_SECONDS=${tolerance} is not a whole number of seconds from 0 to 300.`,
    );
  return { issuer, audience, jwksUrl, rolesClaim, roleMap, nameClaim, algorithms, clockToleranceSeconds };
}

/** The verifier for the OIDC_* settings in `env`, or undefined when none is set. */
export function oidcFromEnvironment(env: Record<string, string | undefined>): OidcVerifier | undefined {
  if (!Object.values(env).some((v) => v !== undefined && v !== '')) return undefined;
  return new OidcVerifier(parseOidcSettings(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''))));
}

/** Three base64url parts: a JWS in compact form (a static token never has dots). */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

function claimAt(payload: JWTPayload, path: string): unknown {
  // The whole name first: some providers use claim names with dots or URLs (https://example.com/roles).
  if (path in payload) return payload[path];
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

const iso = (seconds?: number) => (typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : 'unknown');

export class OidcVerifier {
  private jwks?: ReturnType<typeof createRemoteJWKSet>;
  private starting?: Promise<void>;

  constructor(readonly settings: OidcSettings) {}

  get issuer(): string {
    return this.settings.issuer;
  }

  get rolesClaim(): string {
    return this.settings.rolesClaim;
  }

  /**
   * Finds the keys: OIDC_JWKS_URL, or the discovery document's `jwks_uri` (whose `issuer` must equal OIDC_ISSUER).
   * api/main.ts calls it at start so a wrong issuer URL stops the API with the reason; the first token also calls
   * it if it was not called (or failed: a provider down at start is tried again on the next request).
   */
  start(): Promise<void> {
    this.starting ??= this.discover().catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  private async discover(): Promise<void> {
    let jwksUrl = this.settings.jwksUrl;
    if (!jwksUrl) {
      const where = `${this.settings.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      let doc: { issuer?: unknown; jwks_uri?: unknown };
      try {
        const response = await fetch(where, { signal: AbortSignal.timeout(10_000), redirect: 'error' });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        doc = (await response.json()) as typeof doc;
      } catch (err) {
        throw new OidcUnavailableError(
          `The OpenID provider's discovery document ${where} could not be read (${(err as Error).message}); check OIDC_ISSUER, or set OIDC_JWKS_URL.`,
        );
      }
      if (doc.issuer !== this.settings.issuer)
        throw new AuthConfigError(
          `The discovery document ${where} names the issuer ${JSON.stringify(doc.issuer)}, not OIDC_ISSUER=${this.settings.issuer}: set OIDC_ISSUER to exactly the provider's issuer.`,
        );
      if (typeof doc.jwks_uri !== 'string')
        throw new AuthConfigError(`The discovery document ${where} has no jwks_uri; set OIDC_JWKS_URL.`);
      jwksUrl = httpsUrl('jwks_uri of the discovery document', doc.jwks_uri);
    }
    this.jwks = createRemoteJWKSet(new URL(jwksUrl), {
      timeoutDuration: 10_000,
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
    });
  }

  /** The caller a token names, or OidcTokenError saying why it is refused. */
  async verify(token: string): Promise<OidcPrincipal> {
    await this.start();
    const s = this.settings;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks as NonNullable<typeof this.jwks>, {
        issuer: s.issuer,
        audience: s.audience,
        algorithms: s.algorithms,
        clockTolerance: s.clockToleranceSeconds,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (err) {
      throw refusal(err, s);
    }
    const subject = String(payload.sub);
    const nameValue = claimAt(payload, s.nameClaim);
    if (typeof nameValue !== 'string' || nameValue === '')
      throw new OidcTokenError(`The token has no "${s.nameClaim}" claim (OIDC_NAME_CLAIM) to name its holder.`);
    const raw = claimAt(payload, s.rolesClaim);
    const values = (Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[\s,]+/) : []).filter(
      (v): v is string => typeof v === 'string' && v !== '',
    );
    const apiRoles = [
      ...new Set(
        values
          .map((v) => s.roleMap[v] ?? ((ROLES as readonly string[]).includes(v) ? (v as Role) : undefined))
          .filter((r): r is Role => r !== undefined),
      ),
    ];
    const strongest = (['approver', 'operator', 'viewer'] as const).find((r) => apiRoles.includes(r));
    return {
      name: nameValue,
      subject,
      role: strongest ?? 'anonymous',
      roles: [...new Set([...values, ...apiRoles])],
      method: 'oidc',
      apiRoles,
    };
  }
}

/** jose's refusal in the words of this API: what was wrong with the token. */
function refusal(err: unknown, s: OidcSettings): Error {
  if (err instanceof errors.JWTExpired)
    return new OidcTokenError(`The token expired at ${iso(err.payload.exp)}; get a new one from ${s.issuer}.`);
  if (err instanceof errors.JWTClaimValidationFailed) {
    const p = err.payload;
    switch (err.claim) {
      case 'nbf':
        return new OidcTokenError(`The token is not valid before ${iso(p.nbf)}.`);
      case 'iat':
        return new OidcTokenError('The token was issued in the future (check the clocks).');
      case 'iss':
        return new OidcTokenError(`The token was issued by ${JSON.stringify(p.iss)}, not by ${s.issuer}.`);
      case 'aud':
        return new OidcTokenError(
          `The token is for ${JSON.stringify(p.aud)}, not for this API (${s.audience.join(' or ')}).`,
        );
      default:
        return new OidcTokenError(`The token's "${err.claim}" claim is refused: ${err.reason}.`);
    }
  }
  if (err instanceof errors.JWKSNoMatchingKey)
    return new OidcTokenError(`The token is signed with a key ${s.issuer} does not publish.`);
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return new OidcTokenError(`The token's signature does not verify with the key ${s.issuer} publishes.`);
  if (err instanceof errors.JOSEAlgNotAllowed)
    return new OidcTokenError(
      `The token's signature algorithm is not accepted (OIDC_ALGORITHMS: ${s.algorithms.join(', ')}).`,
    );
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || !(err instanceof errors.JOSEError))
    return new OidcUnavailableError(
      `The keys of ${s.issuer} could not be fetched (${(err as Error).message}); try again shortly.`,
    );
  return new OidcTokenError(`The token is not a valid signed JWT (${err.message}).`);
}
