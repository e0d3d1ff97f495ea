/**
 * Bearer-token authentication and roles: static tokens from `API_TOKENS`, and OpenID Connect access tokens (JWTs)
 * checked against the identity provider's published keys (./oidc.ts), side by side.
 *
 * Static tokens are configured as secret references in `API_TOKENS`
 * (`[{"name":"alice","role":"operator","tokenRef":"env:ALICE_TOKEN"}]`) and resolved once, at start: they are the
 * API process's own secrets, not a workflow's. A request's token is compared with every configured token in constant
 * time (SHA-256 digests, `timingSafeEqual`, no early exit). The token's `name` is the caller's identity: it is
 * recorded as `requestedBy` in the workflows the caller starts (and later on the gates an approver decides).
 *
 * Roles: `viewer` reads; `operator` reads and starts (later: cancels, retries); `approver` reads and decides gates.
 * `/healthz`, `/readyz`, `/metrics` and `/docs` stay open.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { resolveSecret as resolveSecretRef } from '../inventory/secrets';
import type { GateDecision } from '../domain/types';
import { OidcTokenError, OidcUnavailableError, OidcVerifier, looksLikeJwt, oidcFromEnvironment } from './oidc';
import { sendProblem } from './problem';

import { AuthConfigError, ROLES, type Role } from './roles';

export { AuthConfigError, ROLES, type Role } from './roles';

/** What a route needs. */
type Permission = 'read' | 'start' | 'decide';

const GRANTS: Record<Role, readonly Permission[]> = {
  viewer: ['read'],
  operator: ['read', 'start'],
  approver: ['read', 'decide'],
};

const NEEDS: Record<Permission, string> = {
  read: 'a viewer, operator or approver token',
  start: 'an operator token',
  decide: 'an approver token',
};

interface ApiToken {
  name: string;
  role: Role;
  /** The resolved token value. */
  token: string;
}

/**
 * `{ disabled: true }` is the development switch (API_AUTH_DISABLED=true): every caller may do everything. Otherwise
 * static tokens, OpenID Connect tokens (`oidc`), or both.
 */
export type AuthOptions = { disabled: true } | { tokens: ApiToken[]; oidc?: OidcVerifier };

export interface Principal {
  /**
   * The token's name; an OpenID Connect token: its subject (`sub`, or the claim OIDC_NAME_CLAIM names);
   * `anonymous` when authentication is disabled.
   */
  name: string;
  /** The strongest role the caller holds (what a refusal names). */
  role: Role | 'anonymous';
  /**
   * Every role or group the caller holds: a static token, its one role; an OpenID Connect token, the values of its
   * roles claim and the API roles they map to (what an approval policy's "who may approve" checks).
   */
  roles: string[];
  /** How the API authenticated the caller; `none` when authentication is disabled. */
  method: 'api-token' | 'oidc' | 'none';
  /** An OpenID Connect token's subject (`sub`), also when `name` comes from another claim (OIDC_NAME_CLAIM). */
  subject?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs; GET routes default to read, other methods to start. */
    permission?: Permission;
    /** No token needed (health, readiness, metrics, docs). */
    public?: boolean;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const SECRET_REF = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:\/.+)$/;
/** Shorter tokens can be guessed; `openssl rand -hex 32` gives 64 characters. */
const MIN_TOKEN_LENGTH = 16;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses `API_TOKENS` and resolves each reference; throws AuthConfigError naming what to fix. */
function parseApiTokens(
  json: string,
  resolveSecret: (ref: string) => string = (ref) => resolveSecretRef(ref),
): ApiToken[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new AuthConfigError(`API_TOKENS is not valid JSON (${(err as Error).message}).`);
  }
  if (!Array.isArray(raw) || raw.length === 0)
    throw new AuthConfigError(
      'API_TOKENS must be a non-empty JSON array: [{"name":"alice","role":"operator","tokenRef":"env:ALICE_TOKEN"}].',
    );
  const tokens = raw.map((entry: unknown, i): ApiToken => {
    const where = `API_TOKENS[${i}]`;
    if (!isRecord(entry)) throw new AuthConfigError(`${where} must be an object with name, role and tokenRef.`);
    const unknown = Object.keys(entry).filter((k) => !['name', 'role', 'tokenRef'].includes(k));
    if (unknown.length)
      throw new AuthConfigError(
        `${where} has unknown field(s) ${unknown.join(', ')}${unknown.includes('token') ? ': put a secret reference in "tokenRef" (env:NAME or file:/path), not the token' : ''}.`,
      );
    if (typeof entry.name !== 'string' || !NAME.test(entry.name))
      throw new AuthConfigError(`${where}: "name" must be 1-64 letters, digits, ".", "_", "@" or "-".`);
    const at = `API_TOKENS[${i}] ("${entry.name}")`;
    if (typeof entry.role !== 'string' || !ROLES.includes(entry.role as Role))
      throw new AuthConfigError(`${at}: "role" must be one of ${ROLES.join(', ')}.`);
    if (typeof entry.tokenRef !== 'string' || !SECRET_REF.test(entry.tokenRef))
      throw new AuthConfigError(`${at}: "tokenRef" must be a secret reference, env:NAME or file:/path.`);
    let token: string;
    try {
      token = resolveSecret(entry.tokenRef);
    } catch (err) {
      throw new AuthConfigError(`${at}: ${(err as Error).message}`);
    }
    if (token.length < MIN_TOKEN_LENGTH)
      throw new AuthConfigError(
        `${at}: the token behind ${entry.tokenRef} is shorter than ${MIN_TOKEN_LENGTH} characters; use a random one (openssl rand -hex 32).`,
      );
    if (/\s/.test(token)) throw new AuthConfigError(`${at}: the token behind ${entry.tokenRef} contains whitespace.`);
    return { name: entry.name, role: entry.role as Role, token };
  });
  const names = new Set<string>();
  const values = new Set<string>();
  for (const t of tokens) {
    if (names.has(t.name)) throw new AuthConfigError(`API_TOKENS: the name "${t.name}" is listed twice.`);
    if (values.has(t.token))
      throw new AuthConfigError(`API_TOKENS: "${t.name}" has the same token as another entry; give each its own.`);
    names.add(t.name);
    values.add(t.token);
  }
  return tokens;
}

/**
 * The API process's rule: tokens when `API_TOKENS` is set; otherwise only with the explicit development switch
 * `API_AUTH_DISABLED=true`; otherwise refuse to start.
 */
export function authFromEnvironment(
  config: { apiTokensJson?: string; apiAuthDisabled: boolean; oidc?: Record<string, string | undefined> },
  resolveSecret?: (ref: string) => string,
): AuthOptions {
  const oidc = config.oidc ? oidcFromEnvironment(config.oidc) : undefined;
  if (config.apiTokensJson || oidc)
    return {
      tokens: config.apiTokensJson ? parseApiTokens(config.apiTokensJson, resolveSecret) : [],
      ...(oidc ? { oidc } : {}),
    };
  if (config.apiAuthDisabled) return { disabled: true };
  throw new AuthConfigError(
    'No API token is configured. Set API_TOKENS to a JSON array of {"name","role","tokenRef"} ' +
      '(roles viewer, operator, approver; tokenRef env:NAME or file:/path), and/or OIDC_ISSUER and OIDC_AUDIENCE ' +
      'for OpenID Connect tokens (docs/configuration.md#identity), or set API_AUTH_DISABLED=true for ' +
      'development only (anyone who reaches the API can then start regenerations).',
  );
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

const REALM = 'Bearer realm="cucm-cert-regen"';

function unauthorized(reply: FastifyReply, detail: string, invalid: boolean): FastifyReply {
  void reply.header('www-authenticate', invalid ? `${REALM}, error="invalid_token"` : REALM);
  return sendProblem(reply, 401, 'Unauthorized', detail);
}

/** Registers the authentication hook; call before any route is added. */
export function registerAuth(app: FastifyInstance, options: AuthOptions): void {
  app.decorateRequest('principal', undefined);
  if ('disabled' in options) {
    app.log.warn('API AUTHENTICATION IS DISABLED (API_AUTH_DISABLED=true): every caller may do everything');
    app.addHook('onRequest', async (request) => {
      request.principal = { name: 'anonymous', role: 'anonymous', roles: [], method: 'none' };
    });
    return;
  }
  const configured = options.tokens.map((t) => ({ name: t.name, role: t.role, digest: digest(t.token) }));
  const oidc = options.oidc;
  if (configured.length === 0 && !oidc) throw new AuthConfigError('No API token is configured (empty list).');

  const match = (presented: string) => {
    if (configured.length === 0) return undefined;
    const d = digest(presented);
    let found: (typeof configured)[number] | undefined;
    // Compare with every token, never stopping early: the time taken does not depend on which one matched.
    for (const candidate of configured) {
      if (timingSafeEqual(candidate.digest, d) && !found) found = candidate;
    }
    return found;
  };

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions;
    if (route.config?.public === true || route.url?.startsWith('/docs')) return;
    const header = request.headers.authorization;
    if (!header)
      return unauthorized(
        reply,
        `This API needs a bearer token: send "Authorization: Bearer <token>" (${oidc ? `an access token from ${oidc.issuer} or ` : ''}a token configured in API_TOKENS).`,
        false,
      );
    const bearer = /^Bearer +([^\s]+) *$/i.exec(header);
    if (!bearer?.[1])
      return unauthorized(reply, 'The Authorization header must be "Bearer <token>" (no other scheme).', true);
    const presented = bearer[1];
    const who = match(presented);
    let principal: Principal & { apiRoles: Role[] };
    if (who) {
      principal = { name: who.name, role: who.role, roles: [who.role], method: 'api-token', apiRoles: [who.role] };
    } else if (oidc && looksLikeJwt(presented)) {
      try {
        principal = await oidc.verify(presented);
      } catch (err) {
        if (err instanceof OidcTokenError) return unauthorized(reply, err.message, true);
        if (err instanceof OidcUnavailableError) {
          request.log.error({ err }, 'OpenID provider unavailable');
          return sendProblem(reply, 503, 'Service Unavailable', err.message);
        }
        throw err;
      }
    } else {
      return unauthorized(reply, 'The bearer token is not valid for this API; ask its administrator for one.', true);
    }
    const { apiRoles, ...rest } = principal;
    request.principal = rest;
    const needed =
      route.config?.permission ?? (request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'start');
    if (!apiRoles.some((r) => GRANTS[r].includes(needed))) {
      const what =
        rest.method === 'oidc'
          ? `The OpenID Connect token of "${rest.name}" ${apiRoles.length ? `grants ${apiRoles.join(', ')}` : `maps to no role of this API (its ${oidc?.rolesClaim ?? 'roles'} claim: ${rest.roles.join(', ') || 'none'}; see OIDC_ROLE_MAP)`}`
          : `Token "${rest.name}" has the ${rest.role} role`;
      return sendProblem(
        reply,
        403,
        'Forbidden',
        `${what}; ${request.method} ${route.url ?? request.url.split('?')[0]} needs ${NEEDS[needed]}.`,
      );
    }
  });
}

/** The identity recorded in workflow inputs (requestedBy, gate decisions). */
export function identityOf(request: FastifyRequest): string {
  return request.principal?.name ?? 'anonymous';
}

/**
 * Who decides a gate, as the workflow records it: the caller's identity, whether the API authenticated it, how, and
 * its roles or groups (what an approval policy checks).
 */
export function deciderOf(
  request: FastifyRequest,
): Pick<GateDecision, 'by' | 'verified' | 'authenticatedBy' | 'groups'> {
  const p = request.principal;
  if (!p || p.method === 'none') return { by: p?.name ?? 'anonymous', verified: false };
  return { by: p.name, verified: true, authenticatedBy: p.method, groups: p.roles };
}

/** OpenAPI security scheme, and the requirement routes declare. */
export const securitySchemes = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    description:
      'A token from API_TOKENS, or an OpenID Connect access token (a JWT from the configured issuer, for the configured audience; roles from its roles claim). Roles: viewer (GET), operator (start runs), approver (decide gates); all may read.',
  },
} as const;
export const bearerSecurity = [{ bearerAuth: [] as string[] }];
