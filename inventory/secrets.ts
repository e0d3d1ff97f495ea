/**
 * Resolves secret references. Only activities call this, at run time: workflow inputs, results and activity
 * arguments carry the reference, never the value.
 */
import { readFileSync } from 'node:fs';

class SecretResolutionError extends Error {
  override name = 'SecretResolutionError';
}

export function resolveSecret(ref: string, env: NodeJS.ProcessEnv = process.env): string {
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    const value = env[name];
    if (value === undefined || value === '')
      throw new SecretResolutionError(`Secret reference ${ref}: environment variable ${name} is not set.`);
    return value;
  }
  if (ref.startsWith('file:')) {
    const path = ref.slice(5);
    try {
      return readFileSync(path, 'utf8').trim();
    } catch (err) {
      throw new SecretResolutionError(
        `Secret reference ${ref}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'}).`,
      );
    }
  }
  throw new SecretResolutionError(`Unsupported secret reference "${ref}": use env:NAME or file:/path.`);
}
