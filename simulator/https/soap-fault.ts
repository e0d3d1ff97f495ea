/**
 * SOAP 1.1 envelopes and faults. AXL is answered with hand-built XML (its schema is not in the repository), so this
 * module builds its envelopes and `axlError` faults; the WSDL-driven services (RisPort70, Control Center) throw a
 * SoapFaultError, which node-soap serialises, with the HTTP status it carries.
 */
import type { ISoapFault11 } from 'soap';

const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';

export function xmlEscape(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );
}

export function soapEnvelope(bodyXml: string): string {
  return `<?xml version='1.0' encoding='UTF-8'?><soapenv:Envelope xmlns:soapenv="${SOAP_ENV_NS}"><soapenv:Body>${bodyXml}</soapenv:Body></soapenv:Envelope>`;
}

export interface AxlFault {
  /** soapenv:Client for bad requests, soapenv:Server for server-side failures. */
  faultcode: 'soapenv:Client' | 'soapenv:Server';
  message: string;
  /** The axlcode: AXL's own codes (5000s) or Informix SQL error codes (negative). */
  axlcode: number;
  /** The operation that failed, echoed as <request>. */
  request: string;
}

/** A fault as AXL sends it (HTTP 500): faultstring plus detail/axlError{axlcode, axlmessage, request}. */
export function axlFaultXml(fault: AxlFault): string {
  return soapEnvelope(
    `<soapenv:Fault><faultcode>${fault.faultcode}</faultcode><faultstring>${xmlEscape(fault.message)}</faultstring>` +
      `<detail><axlError><axlcode>${fault.axlcode}</axlcode><axlmessage>${xmlEscape(fault.message)}</axlmessage>` +
      `<request>${xmlEscape(fault.request)}</request></axlError></detail></soapenv:Fault>`,
  );
}

/**
 * Thrown from a node-soap service method. node-soap recognises the `Fault` property and answers with it; without a
 * statusCode it would answer HTTP 200, while Axis (what CUCM runs) answers faults with 500.
 */
export class SoapFaultError extends Error {
  readonly Fault: ISoapFault11;
  constructor(faultcode: string, faultstring: string, statusCode = 500) {
    super(faultstring);
    this.Fault = { faultcode, faultstring, statusCode };
  }
}
