/**
 * How an HTTPS failure is classified (activities/cucm/errors.ts): a SOAP fault the request caused is final, an
 * outage or throttling is retried. The bodies are the shapes CUCM sends: AXL's axlError, Axis faults.
 */
import assert from 'node:assert/strict';
import { classifyHttpError } from '../../activities/cucm/errors';

const fault = (code: string, text: string, detail = '') =>
  `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>${code}</faultcode><faultstring>${text}</faultstring>${detail}</soapenv:Fault></soapenv:Body></soapenv:Envelope>`;
const axios500 = (data: string) => ({
  message: 'Request failed with status code 500',
  response: { status: 500, data },
});

describe('classifyHttpError', () => {
  it('a soapenv:Client fault is a final fault with its text', () => {
    const e = classifyHttpError('AXL listPhone', axios500(fault('soapenv:Client', 'Item not valid')));
    assert.equal(e.kind, 'fault');
    assert.equal(e.retryable, false);
    assert.match(e.message, /AXL listPhone: SOAP fault soapenv:Client: Item not valid/);
  });

  it('a fault carrying an axlcode is final whatever its faultcode, and keeps the code', () => {
    const detail =
      '<detail><axlError><axlcode>5003</axlcode><axlmessage>Version mismatch</axlmessage></axlError></detail>';
    const e = classifyHttpError('AXL', axios500(fault('soapenv:Server', 'Version mismatch', detail)));
    assert.deepEqual([e.kind, e.retryable, e.code], ['fault', false, 5003]);
  });

  it('node-soap keeps the body on the error: a Client fault there is final too', () => {
    const e = classifyHttpError('Control Center', {
      message: 'soap:Client: refused',
      response: { status: 500 },
      body: fault('soapenv:Client', 'Service not controllable'),
    });
    assert.equal(e.kind, 'fault');
  });

  it('a server fault, a bare 500, 503 and connection errors stay retryable', () => {
    assert.equal(classifyHttpError('x', axios500(fault('soapenv:Server', 'busy'))).retryable, true);
    assert.equal(classifyHttpError('x', axios500('<html>error</html>')).retryable, true);
    assert.equal(classifyHttpError('x', { response: { status: 503, data: '' } }).kind, 'throttled');
    assert.equal(classifyHttpError('x', { code: 'ECONNRESET', message: 'socket hang up' }).kind, 'network');
  });
});
