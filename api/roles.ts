/** The API's roles and the error a bad authentication setting raises (shared by ./auth.ts and ./oidc.ts). */
export const ROLES = ['viewer', 'operator', 'approver'] as const;
export type Role = (typeof ROLES)[number];

/** A configuration error that names the setting and what to fix: the API refuses to start with it. */
export class AuthConfigError extends Error {
  override name = 'AuthConfigError';
}
