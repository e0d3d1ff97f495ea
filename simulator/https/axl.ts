/**
 * AXL (`POST /axl/`, SOAP 1.1). The SOAPAction header names the AXL version and operation
 * (`"CUCM:DB ver=14.0 listPhone"`); the answer uses the namespace of that version. The node answers its own
 * schema version and those of the previous two major releases; a request without a version gets the oldest of
 * them; any other version is refused (axlcode 5003). See axl-versions.ts. Fault injection `axl-503` makes the next requests fail with Tomcat's 503 page,
 * as AXL's write throttling does, without running the operation; `axl-fault` makes them fail with an axlError
 * (HTTP 500, soapenv:Client, the given axlcode), as AXL answers a request it refuses.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import type { SimNode } from '../model';
import { AXL_CODE, AXL_OPERATIONS, AxlOperationError, sequenceOf } from './axl-operations';
import { requestUser } from './basic-auth';
import { readBody, sendTomcatError, sendXml } from './http-util';
import { supportedAxlVersions } from './axl-versions';
import { axlFaultXml, soapEnvelope, type AxlFault } from './soap-fault';
import { child, elementNames } from './xml-value';

const AXL_SERVICE = 'Cisco AXL Web Service';

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Keep every value a string: device names and numbers are compared as text.
  parseTagValue: false,
  parseAttributeValue: false,
});

interface AxlRequest {
  operation: string;
  /** "14.0" */
  version: string | undefined;
  element: unknown;
}

function parseRequest(req: IncomingMessage, body: string): AxlRequest | undefined {
  let parsed: unknown;
  try {
    parsed = parser.parse(body, true);
  } catch {
    return undefined;
  }
  const soapBody = child(child(parsed, 'Envelope'), 'Body');
  const operation = elementNames(soapBody)[0];
  if (!operation) return undefined;
  const action = /CUCM:DB ver=(\d+\.\d+)/.exec(String(req.headers.soapaction ?? ''));
  // Without a SOAPAction, the payload namespace (http://www.cisco.com/AXL/API/14.0) carries the version.
  const namespace = /http:\/\/www\.cisco\.com\/AXL\/API\/(\d+\.\d+)/.exec(body);
  return { operation, version: action?.[1] ?? namespace?.[1], element: child(soapBody, operation) };
}

function sendFault(res: ServerResponse, fault: AxlFault): void {
  sendXml(res, 500, axlFaultXml(fault));
}

export async function handleAxl(node: SimNode, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const cluster = node.cluster;
  if (req.method === 'GET') {
    // What a browser (and many connectivity checks) see at https://<node>:8443/axl/.
    res
      .writeHead(200, { 'Content-Type': 'text/html' })
      .end(
        '<html><head><title>Cisco CallManager: AXL Web Service</title></head><body><h1>Cisco CallManager: AXL Web Service</h1><p>The AXL Web Service is working and accepting requests. Use HTTP POST to send a request.</p></body></html>',
      );
    return;
  }
  if (req.method !== 'POST')
    return sendTomcatError(res, 405, `Method ${req.method ?? ''} is not supported by this URL`);
  if (!node.isStarted(AXL_SERVICE)) {
    return sendTomcatError(res, 503, `The requested service (${AXL_SERVICE}) is not currently available on this node`);
  }
  const user = requestUser(req);
  const body = await readBody(req);
  const request = parseRequest(req, body);
  const supported = supportedAxlVersions(cluster.config.version);
  if (!request) {
    cluster.log(node, user, 'axl', { op: 'unknown', result: 'fault' });
    return sendFault(res, {
      faultcode: 'soapenv:Client',
      axlcode: AXL_CODE.generic,
      message: 'The request is not a SOAP envelope with an AXL operation',
      request: '',
    });
  }
  const { operation } = request;
  if (cluster.faults.axl503 > 0) {
    cluster.faults.axl503 -= 1;
    cluster.log(node, user, 'axl', { op: operation, result: '503' });
    return sendTomcatError(
      res,
      503,
      'The server is currently unable to handle the request due to a temporary overload',
    );
  }
  const injected = cluster.faults.takeAxlFault(operation);
  if (injected) {
    cluster.log(node, user, 'axl', { op: operation, result: 'fault', axlcode: String(injected.axlcode) });
    return sendFault(res, {
      faultcode: 'soapenv:Client',
      axlcode: injected.axlcode,
      message: injected.message ?? `Item not valid: the request for ${operation} names an item that does not exist`,
      request: operation,
    });
  }
  if (request.version !== undefined && !supported.includes(request.version)) {
    cluster.log(node, user, 'axl', { op: operation, result: 'fault', version: request.version });
    return sendFault(res, {
      faultcode: 'soapenv:Client',
      axlcode: AXL_CODE.versionMismatch,
      message: `Version mismatch: the request is for AXL ${request.version}; this server answers AXL ${supported.join(', ')}`,
      request: operation,
    });
  }
  const version = request.version ?? supported[0]!;
  // Own properties only: an element named like an Object.prototype member is not an operation.
  const run = Object.hasOwn(AXL_OPERATIONS, operation) ? AXL_OPERATIONS[operation] : undefined;
  if (!run) {
    cluster.log(node, user, 'axl', { op: operation, result: 'fault' });
    return sendFault(res, {
      faultcode: 'soapenv:Client',
      axlcode: AXL_CODE.generic,
      message: `No such operation '${operation}'`,
      request: operation,
    });
  }
  let inner: string;
  try {
    inner = run({ cluster, node, user, request: request.element });
  } catch (err) {
    if (!(err instanceof AxlOperationError)) throw err;
    cluster.log(node, user, 'axl', { op: operation, result: 'fault', axlcode: String(err.fault.axlcode) });
    return sendFault(res, { ...err.fault, request: operation });
  }
  cluster.log(node, user, 'axl', { op: operation, result: 'ok' });
  const sequence = sequenceOf(request.element);
  const attrs = `xmlns:ns="http://www.cisco.com/AXL/API/${version}"${sequence === undefined ? '' : ` sequence="${sequence.replace(/\D/g, '')}"`}`;
  sendXml(res, 200, soapEnvelope(`<ns:${operation}Response ${attrs}>${inner}</ns:${operation}Response>`));
}
