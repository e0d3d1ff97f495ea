/**
 * Typed access to what fast-xml-parser returns (`unknown` trees of records, arrays and strings), so the request
 * handlers read elements without `any`.
 */
type XmlRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is XmlRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function child(parent: unknown, name: string): unknown {
  return isRecord(parent) ? parent[name] : undefined;
}

/** Text content of a child element; undefined when absent. An element with attributes keeps its text in `#text`. */
export function childText(parent: unknown, name: string): string | undefined {
  const value = child(parent, name);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isRecord(value)) return typeof value['#text'] === 'string' ? value['#text'] : '';
  return undefined;
}

/** A repeated element as an array (one occurrence parses as a single value). */
export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

/** Child element names, without attributes (`@_x`) and text nodes. */
export function elementNames(value: unknown): string[] {
  return isRecord(value) ? Object.keys(value).filter((k) => !k.startsWith('@_') && k !== '#text') : [];
}
