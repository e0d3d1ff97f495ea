/**
 * What a step keeps of what it sent (domain/evidence.ts): repeats counted, a fixed cap on distinct requests and on
 * their length whatever a step sends, and secrets replaced before anything is kept.
 */
import assert from 'node:assert/strict';
import { addSent, describeSent, redact, SENT_LIMITS, type SentRecord } from '../../domain/evidence';

describe('step evidence', () => {
  it('collapses repeats into a count and keeps the order first sent', () => {
    const into: SentRecord = { requests: [] };
    for (const request of ['selectCmDeviceExt', 'selectCmDeviceExt', 'doDeviceReset', 'selectCmDeviceExt'])
      addSent(into, { requests: [{ via: 'risport', target: 'pub', request, count: 1 }] });
    assert.deepEqual(
      into.requests.map((r) => [r.request, r.count]),
      [
        ['selectCmDeviceExt', 3],
        ['doDeviceReset', 1],
      ],
    );
    assert.equal(describeSent(into.requests[0]!), 'RisPort70 selectCmDeviceExt × 3 (pub)');
    assert.equal(
      describeSent(into.requests[0]!, 'pub'),
      'RisPort70 selectCmDeviceExt × 3',
      "the step's node not repeated",
    );
  });

  it('stays the same size however much a step sends', () => {
    const into: SentRecord = { requests: [] };
    for (let i = 0; i < 500; i++)
      addSent(into, {
        requests: [
          {
            via: 'ssh',
            target: 'pub',
            request: redact(`show cert trust tomcat-trust/file-${i}.pem${'x'.repeat(400)}`),
            count: 1,
          },
        ],
      });
    assert.equal(into.requests.length, SENT_LIMITS.requests, 'capped at the limit');
    assert.equal(into.omitted, 500 - SENT_LIMITS.requests, 'the rest counted');
    assert.ok(
      into.requests.every((r) => r.request.length <= SENT_LIMITS.length),
      'each request cut to the limit',
    );
    const size = JSON.stringify(into).length;
    assert.ok(size < 12_000, `a step's record is bounded (${size} characters)`);
  });

  it('replaces secrets before anything is kept', () => {
    assert.equal(redact('set account password s3cr3t-Pa55', ['s3cr3t-Pa55']), 'set account password [redacted]');
    assert.equal(redact('login password=hunter22 user=admin'), 'login password=[redacted] user=admin');
    assert.equal(redact('Authorization: Basic YWRtaW46c2VjcmV0'), 'Authorization: [redacted]');
    assert.equal(
      redact('paste -----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY----- done'),
      'paste [redacted] done',
    );
    assert.equal(redact('utils ctl reset localkey'), 'utils ctl reset localkey', 'commands stay as sent');
    assert.equal(redact('set cert regen tomcat'), 'set cert regen tomcat');
  });
});
