/**
 * Secrets stop at the edge: a request body that carries a private key (PEM, any kind: PKCS#8, RSA, EC, encrypted,
 * OpenSSH) is refused with a 400 before any route runs, so it never reaches Temporal's history, a worker or a log.
 * The typical case is a CA-signed chain pasted with its key (POST /v1/regenerations/{id}/chains); the workflow's own
 * validator refuses it too, for updates sent from the Temporal UI or CLI.
 */
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from './problem';

const PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;

/** The path (`body.chainPem`, `body.items.0`) of the first string in `value` that holds a private key. */
function privateKeyIn(value: unknown, path = 'body'): string | undefined {
  if (typeof value === 'string') return PRIVATE_KEY.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = privateKeyIn(item, `${path}.${i}`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = privateKeyIn(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

export function registerSecretGuard(app: FastifyInstance): void {
  // preValidation: after the body is parsed, before the schema (whose message would hide the real problem).
  app.addHook('preValidation', async (request) => {
    const where = privateKeyIn(request.body);
    if (where)
      throw new HttpProblem(
        400,
        'Bad Request',
        `${where} contains a private key: send certificates only (the leaf, then its intermediate and root CAs). Nothing was stored or forwarded; treat that key as exposed and have it replaced.`,
      );
  });
}
