/** Small helpers for parsed SOAP/XML values (fast-xml-parser and node-soap both give loose objects). */
export type Xml = Record<string, unknown>;

export function asArray<T>(value: T | T[] | undefined | null): T[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

/** The text of a leaf value; '' for missing values and for elements (objects) where text was expected. */
export function text(value: unknown, fallback = ''): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return fallback;
}

export function optionalText(value: unknown): string | undefined {
  const t = text(value);
  return t === '' ? undefined : t;
}

/** A node-soap operation, typed: node-soap generates `<operation>Async` methods at run time. */
export function soapCall(client: object, operation: string): (args: unknown) => Promise<[Xml, ...unknown[]]> {
  const method = (client as Record<string, unknown>)[`${operation}Async`];
  if (typeof method !== 'function') throw new Error(`The WSDL has no operation ${operation}`);
  return (args) => (method as (a: unknown) => Promise<[Xml, ...unknown[]]>).call(client, args);
}
