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

/**
 * An AXL foreign key (XFkType): real AXL writes it with the referenced row's uuid, `<devicePoolName uuid="{…}">Default
 * </devicePoolName>`, which fast-xml-parser gives as {"#text", "@_uuid"}; a bare value is a string. Every foreign-key
 * read goes through here: `text()` alone reads '' for the attributed form.
 */
export function fkText(value: unknown): string {
  if (value !== null && typeof value === 'object' && '#text' in value) return text((value as Xml)['#text']);
  return text(value);
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
