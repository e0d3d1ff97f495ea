/**
 * Reads a Compose file the way a Compose implementation does before it runs anything, with no Docker and no
 * docker-compose binary: YAML, then variable interpolation from an environment, then the Compose Specification's JSON
 * schema (the copy compose-go validates with, vendored in test/fixtures/compose-spec with its licence), then profile
 * selection. What each step does is the Compose Specification's: https://compose-spec.io (Interpolation, Profiles).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';

export type ComposeService = Record<string, unknown> & { profiles?: string[] };
export interface ComposeFile {
  services: Record<string, ComposeService>;
  [key: string]: unknown;
}

const SCHEMA = join(__dirname, '..', 'fixtures', 'compose-spec', 'compose-spec.json');

/** A variable's name, as the spec allows it after `$` or `${`. */
const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;

/** The index of the `}` closing the `${` that ends just before `from`, counting nested `${...}` in defaults. */
function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text.startsWith('${', i)) {
      depth++;
      i++;
    } else if (text[i] === '}' && --depth === 0) return i;
  }
  throw new Error(`invalid interpolation format: ${text.slice(from - 2)}`);
}

/** `${NAME<modifier>}` resolved: `:-`/`-` default, `:+`/`+` alternative, `:?`/`?` required with its message. */
function resolveBraced(body: string, env: NodeJS.ProcessEnv, where: string): string {
  const name = NAME.exec(body)?.[0];
  if (!name) throw new Error(`${where}: invalid interpolation format: \${${body}}`);
  const value = env[name];
  const rest = body.slice(name.length);
  if (rest === '') return value ?? '';
  const op = /^(:?)([-+?])/.exec(rest);
  if (!op) throw new Error(`${where}: invalid interpolation format: \${${body}}`);
  const arg = () => interpolate(rest.slice(op[0].length), env, where);
  const present = op[1] === ':' ? value !== undefined && value !== '' : value !== undefined;
  if (op[2] === '-') return present ? value! : arg();
  if (op[2] === '+') return present ? arg() : '';
  if (!present) throw new Error(`${where}: required variable ${name} is missing a value: ${arg()}`);
  return value!;
}

/** One string with its variables replaced, as Compose interpolates every value of the file (never the keys). */
export function interpolate(text: string, env: NodeJS.ProcessEnv, where = 'value'): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0) return out + text.slice(i);
    out += text.slice(i, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      out += '$';
      i = dollar + 2;
    } else if (next === '{') {
      const end = closingBrace(text, dollar + 2);
      out += resolveBraced(text.slice(dollar + 2, end), env, where);
      i = end + 1;
    } else {
      const name = NAME.exec(text.slice(dollar + 1))?.[0];
      if (!name) throw new Error(`${where}: invalid interpolation format: ${text.slice(dollar)}`);
      out += env[name] ?? '';
      i = dollar + 1 + name.length;
    }
  }
  return out;
}

function interpolateTree(node: unknown, env: NodeJS.ProcessEnv, path: string): unknown {
  if (typeof node === 'string') return interpolate(node, env, path);
  if (Array.isArray(node)) return node.map((v, i) => interpolateTree(v, env, `${path}[${i}]`));
  if (node && typeof node === 'object')
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [k, interpolateTree(v, env, path ? `${path}.${k}` : k)]),
    );
  return node;
}

let validator: ReturnType<Ajv2020['compile']> | undefined;
function validate(doc: unknown): string[] {
  if (!validator) {
    // Compose's schema, not ours: its union types are its own choice, so Ajv's strict lints stay off for it.
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    validator = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
  }
  return validator(doc)
    ? []
    : (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/**
 * The Compose file's text, interpolated from `env` and validated against the Compose Specification's schema. Throws
 * what a Compose implementation would refuse the file for: a required variable unset, a malformed reference, a value
 * or key the schema rejects.
 */
export function loadCompose(text: string, env: NodeJS.ProcessEnv): ComposeFile {
  const interpolated = interpolateTree(parse(text) as unknown, env, '');
  const errors = validate(interpolated);
  if (errors.length) throw new Error(`the Compose file is invalid: ${errors.join('; ')}`);
  return interpolated as ComposeFile;
}

/** The services `docker compose [--profile p]... up` starts: those with no profile, and those in an active one. */
export function activeServices(file: ComposeFile, profiles: string[] = []): string[] {
  return Object.entries(file.services)
    .filter(([, s]) => !s.profiles?.length || s.profiles.some((p) => profiles.includes(p)))
    .map(([name]) => name)
    .sort();
}
