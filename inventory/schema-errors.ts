/**
 * TypeBox's errors for an inventory, in words a person fixes a file with: the path `/clusters/0/nodes/0/sshPort`
 * becomes `cluster "lab1" nodes[0].sshPort`, and the message is the schema's own `errorMessage` (./schema.ts).
 */
import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';

/** `cluster "lab1" nodes[0].sshHostKeySha256`, or `clusters[0]` while the cluster has no usable id. */
export function wherePath(raw: unknown, segments: readonly (string | number)[]): string {
  const [first, index, ...rest] = segments;
  let label = 'inventory';
  let tail: readonly (string | number)[] = segments;
  if (first === 'clusters' && index !== undefined) {
    const id = (raw as { clusters?: Array<{ id?: unknown }> }).clusters?.[Number(index)]?.id;
    label = typeof id === 'string' && id !== '' ? `cluster "${id}"` : `clusters[${index}]`;
    tail = rest;
  }
  const path = tail.map((s, i) => (/^\d+$/.test(String(s)) ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
  return path ? `${label} ${path}` : label;
}

function segmentsOf(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

interface Problem {
  path: string[];
  message: string;
  /** Said first: the most direct advice (a secret in clear). */
  urgent?: boolean;
}

function properties(schema: TSchema): Record<string, TSchema> {
  return (schema.properties ?? {}) as Record<string, TSchema>;
}

function messageOf(schema: TSchema, fallback: string): string {
  return typeof schema.errorMessage === 'string' ? schema.errorMessage : fallback.toLowerCase();
}

/**
 * A union of objects told apart by `kind` (notification channels) or `provider` (DNS-01 solvers): report the errors
 * of the variant the value's discriminator names, or that the discriminator itself is wrong.
 */
function unionProblems(error: ValueError): Problem[] {
  const variants = (error.schema.anyOf ?? []) as TSchema[];
  const value = error.value as Record<string, unknown> | undefined;
  const key = ['kind', 'provider'].find((k) => variants.every((v) => properties(v)[k] !== undefined));
  if (typeof value !== 'object' || value === null || !key)
    return [{ path: segmentsOf(error.path), message: messageOf(error.schema, error.message) }];
  const kinds = variants.map((v) => properties(v)[key]);
  const chosen = kinds.findIndex((k) => Value.Check(k as TSchema, value[key]));
  const iterator = error.errors[chosen];
  if (!iterator) {
    // Each variant's discriminator is a literal or a union of literals: list their values.
    const literals = kinds.flatMap((k) => ((k?.anyOf ?? [k]) as TSchema[]).map((l) => String(l.const)));
    const message = `must be one of ${literals.join(', ')}`;
    return [{ path: [...segmentsOf(error.path), key], message }];
  }
  return [...iterator].flatMap(problemsOf);
}

/** Edit distance (insertions, deletions, substitutions), case ignored: how far a misspelt field is from a real one. */
function distance(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  let row = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const next = [i];
    for (let j = 1; j <= y.length; j++)
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1),
      );
    row = next;
  }
  return row[y.length] ?? 0;
}

/** The known field a misspelling most likely meant: at most 2 edits away (1 for short names). */
function nearest(field: string, known: readonly string[]): string | undefined {
  const ranked = known.map((k) => ({ k, d: distance(field, k) })).sort((p, q) => p.d - q.d)[0];
  return ranked && ranked.d <= (field.length > 5 ? 2 : 1) ? ranked.k : undefined;
}

function problemsOf(error: ValueError): Problem[] {
  const path = segmentsOf(error.path);
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const field = path.pop() ?? '';
      // TypeBox reports an unexpected property with the parent object's schema.
      if (error.schema.patternProperties)
        return [{ path, message: `"${field}" is not a valid hostname (${messageOf(error.schema, '')})` }];
      const ref = `${field}Ref`;
      if (ref in properties(error.schema)) {
        const plain = field === 'password' ? 'a password' : `"${field}"`;
        return [
          { path, urgent: true, message: `put a secret reference in "${ref}" (env:NAME or file:/path), not ${plain}` },
        ];
      }
      const near = nearest(field, Object.keys(properties(error.schema)));
      return [{ path, message: `unknown field "${field}"${near ? ` (did you mean "${near}"?)` : ''}` }];
    }
    case ValueErrorType.ObjectRequiredProperty:
      return [{ path, message: `is missing; it ${messageOf(error.schema, error.message)}` }];
    case ValueErrorType.Union:
      return unionProblems(error);
    default:
      return [{ path, message: messageOf(error.schema, error.message) }];
  }
}

/**
 * Every problem of `raw` against `schema`, one line each, the most direct advice first; one line per field (the
 * first TypeBox gives), and no "passwordRef is required" next to "put a secret reference in passwordRef".
 */
export function schemaProblems(schema: TSchema, raw: unknown): string[] {
  const problems = [...Value.Errors(schema, raw)].flatMap(problemsOf);
  const hinted = new Set(
    problems.filter((p) => p.urgent).map((p) => [...p.path, /"(\w+)"/.exec(p.message)?.[1] ?? ''].join('/')),
  );
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const p of [...problems.filter((q) => q.urgent), ...problems.filter((q) => !q.urgent)]) {
    // Several errors on one value (wrong type, then out of range) say one thing; unknown fields are each named.
    const key = p.path.join('/');
    const dedupe = p.urgent || p.message.startsWith('unknown field') ? `${key}|${p.message}` : key;
    if (seen.has(dedupe) || (!p.urgent && hinted.has(key))) continue;
    seen.add(dedupe);
    lines.push(`${wherePath(raw, p.path)}: ${p.message}`);
  }
  return lines;
}
