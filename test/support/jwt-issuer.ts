/**
 * A minimal identity provider for the Temporal server's JWT authorizer: an RSA key pair, its public key served as a
 * JWKS over HTTP (what `global.authorization.jwtKeyProvider.keySourceURIs` points at), and RS256 tokens signed with
 * it carrying a `permissions` claim (`<namespace>:<role>`, `temporal-system:admin`), the format of Temporal's default claim
 * mapper. Node's crypto signs; only the JWT's three base64url parts are put together here.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface JwtIssuer {
  /** The JWKS URL the server fetches its verification keys from. */
  jwksUrl: string;
  /** An RS256 token for `subject` with these permissions, valid for an hour. */
  token(subject: string, permissions: string[]): string;
  /** A token of the same shape signed by a key the JWKS does not hold: what a forged or foreign token looks like. */
  foreignToken(subject: string, permissions: string[]): string;
  /** How many times the JWKS was fetched (the server fetches it at start and on its refresh interval). */
  jwksFetches(): number;
  close(): Promise<void>;
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function signedToken(key: KeyObject, kid: string, subject: string, permissions: string[]): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url({ alg: 'RS256', typ: 'JWT', kid });
  const payload = base64url({ sub: subject, iat: now, exp: now + 3600, permissions });
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), key).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

export async function startJwtIssuer(): Promise<JwtIssuer> {
  const kid = 'cucm-cert-regen-test';
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // The foreign key carries the same kid: the server finds "its" key and the signature check is what fails.
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] });
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    token: (subject, permissions) => signedToken(privateKey, kid, subject, permissions),
    foreignToken: (subject, permissions) => signedToken(foreign, kid, subject, permissions),
    jwksFetches: () => fetches,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
