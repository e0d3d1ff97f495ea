/**
 * RisPort70's over-limit fault as node-soap hands it to the client: recognised by its code `Server.RateControl`
 * whatever the prefix (real nodes send `ns1:`, public PHP and Splunk clients test for that), or by Cisco's text.
 */
import assert from 'node:assert/strict';
import { isOverLimit } from '../../activities/cucm/limited-soap';

const fault = (faultcode: string, faultstring: string) => ({
  root: { Envelope: { Body: { Fault: { faultcode, faultstring } } } },
});

describe('RisPort70 over-limit fault', () => {
  for (const code of ['ns1:Server.RateControl', 'soapenv:Server.RateControl', 'Server.RateControl'])
    it(`is recognised by its code ${code}, whatever the text`, () => {
      assert.equal(isOverLimit(fault(code, 'AxisFault')), true);
    });

  it('is recognised by Cisco’s text under another code', () => {
    assert.equal(
      isOverLimit(
        fault(
          'soapenv:Server.userException',
          'AxisFault: Exceeded allowed rate for Reatime information. Current allowed rate for realtime information is 15 requests per minute.',
        ),
      ),
      true,
    );
  });

  it('leaves other faults alone', () => {
    assert.equal(isOverLimit(fault('soapenv:Client', 'Invalid Status Foo')), false);
    assert.equal(isOverLimit(fault('ns1:Server.RateControlled', 'x')), false);
    assert.equal(isOverLimit(new Error('socket hang up')), false);
  });
});
