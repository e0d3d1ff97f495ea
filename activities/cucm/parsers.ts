/**
 * Parsers for the CUCM CLI outputs the procedures read. Pure functions over the text, unit-tested against the
 * formats in ../shared/reference/cucm-interfaces.md.
 */
import { X509Certificate } from 'node:crypto';

export interface CertificateDetails {
  /** Upper-case hex without separators, as Node's X509Certificate prints it. */
  serial: string;
  subject?: string;
  issuer?: string;
  validTo?: string;
  pem?: string;
}

/** `show cert own <unit>`: a decoded header then the PEM. The PEM, when present, is the source of truth. */
export function parseCertificateDetails(output: string): CertificateDetails {
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(output)?.[0];
  if (pem) {
    const cert = new X509Certificate(pem);
    return {
      serial: cert.serialNumber.toUpperCase(),
      subject: cert.subject.replace(/\n/g, ', '),
      issuer: cert.issuer.replace(/\n/g, ', '),
      validTo: new Date(cert.validTo).toISOString(),
      pem,
    };
  }
  const serial = /^\s*Serial Number:\s*(\S+)/m.exec(output)?.[1];
  if (!serial)
    throw new Error(`No "Serial Number:" line and no PEM in the certificate output: ${output.slice(0, 200)}`);
  return {
    serial: serial.replace(/[:\s]/g, '').toUpperCase(),
    subject: /^\s*Subject Name:\s*(.+)$/m.exec(output)?.[1]?.trim(),
    issuer: /^\s*Issuer Name:\s*(.+)$/m.exec(output)?.[1]?.trim(),
  };
}

export interface ServiceStatus {
  name: string;
  /** STARTED, STOPPED, STARTING, STOPPING, ... as the CLI prints it. */
  state: string;
  /** e.g. "Service Not Activated", "Commanded Out of Service". */
  reason?: string;
}

/** `utils service list`: one `<Service Name>[<STATE>]  <reason>` line per service, among status chatter. */
export function parseServiceList(output: string): ServiceStatus[] {
  const services: ServiceStatus[] = [];
  for (const line of output.split('\n')) {
    const match = /^(\S.*?)\s*\[\s*([A-Z ]+?)\s*\]\s*(.*)$/.exec(line.trim());
    if (!match || match[1] === undefined || match[2] === undefined) continue;
    services.push({ name: match[1], state: match[2], reason: match[3] ? match[3].trim() : undefined });
  }
  return services;
}

/** The last state `utils service restart <name>` reported for the service (`<name>[STARTED]` lines). */
export function lastReportedState(output: string, service: string): string | undefined {
  let state: string | undefined;
  for (const s of parseServiceList(output)) if (s.name === service) state = s.state;
  return state;
}
