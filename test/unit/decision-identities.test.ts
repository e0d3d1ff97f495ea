/**
 * Matching decisions to the history's messages (api/decision-identities.ts): each decision, in order, takes the first
 * message not yet taken with its decision, its `by` and its gate (or no gate); verified only when the API sent it.
 */
import assert from 'node:assert/strict';
import { attestDecisions, identityMatcher, type DecisionMessage } from '../../api/decision-identities';
import type { DecisionRecord } from '../../domain/types';

const API = 'cucm-cert-regen-api@host1';
const rules = { isApi: identityMatcher(['cucm-cert-regen-api@*']) };
const decision = (d: Partial<DecisionRecord>): DecisionRecord => ({
  gateId: 'tomcat.before-start-1',
  kind: 'before-start',
  decision: 'approve',
  at: '2026-12-07T10:00:00.000Z',
  ...d,
});
const message = (m: Partial<DecisionMessage>): DecisionMessage => ({
  name: 'decideGate',
  identity: API,
  eventId: 1,
  ...m,
});

describe('decision identities', () => {
  it("counts a decision verified only when it says so and the API's identity sent it", () => {
    const [viaApi, viaUi, forged] = attestDecisions(
      [
        decision({ by: 'alice', verified: true, authenticatedBy: 'oidc', groups: ['approver'] }),
        decision({ gateId: 'tomcat.before-restarts-2', kind: 'before-restarts', by: 'mallory' }),
        decision({ gateId: 'tomcat.before-phone-reset-3', by: 'alice', verified: true, authenticatedBy: 'oidc' }),
      ],
      [
        message({ gateId: 'tomcat.before-start-1', decision: 'approve', by: 'alice', verified: true }),
        message({ name: 'approve', identity: 'mallory@laptop', decision: 'approve', by: 'mallory', eventId: 5 }),
        message({
          name: 'decideGate-signal',
          identity: 'mallory@laptop',
          gateId: 'tomcat.before-phone-reset-3',
          decision: 'approve',
          by: 'alice',
          verified: true,
          eventId: 9,
        }),
      ],
      rules,
    );
    assert.deepEqual(
      [viaApi?.verified, viaApi?.via, viaApi?.temporalIdentity, viaApi?.groups],
      [true, 'oidc', API, ['approver']],
    );
    assert.deepEqual([viaUi?.verified, viaUi?.via, viaUi?.temporalIdentity], [false, 'temporal-ui', 'mallory@laptop']);
    assert.deepEqual([forged?.verified, forged?.via, forged?.groups], [false, 'temporal-ui', undefined]);
    assert.match(String(forged?.unverifiedReason), /mallory@laptop/);
  });

  it('takes each message once, in order, and says unknown when none fits', () => {
    const out = attestDecisions(
      [decision({ by: 'bob' }), decision({ gateId: 'tomcat.before-restarts-2', by: 'bob' }), decision({ by: 'eve' })],
      [
        message({ name: 'approve', identity: 'bob@a', decision: 'approve', by: 'bob', eventId: 3 }),
        message({ name: 'approve', identity: 'bob@b', decision: 'approve', by: 'bob', eventId: 7 }),
      ],
      rules,
    );
    assert.deepEqual(
      out.map((d) => [d.temporalIdentity, d.via]),
      [
        ['bob@a', 'temporal-ui'],
        ['bob@b', 'temporal-ui'],
        [undefined, 'unknown'],
      ],
    );
  });

  it('matches an accepted chain to the submitSignedChain update for its node', () => {
    const [chain] = attestDecisions(
      [
        decision({
          kind: 'signed-certificate',
          gateId: 'tomcat.signed-certificate-1',
          by: 'olga',
          comment: 'signed tomcat for cm2 submitted: serial 01, issued by CN=CA, valid to 2027-12-07T00:00:00.000Z',
        }),
      ],
      [
        message({ name: 'submitSignedChain', decision: 'approve', nodeId: 'cm1', by: 'olga', verified: true }),
        message({
          name: 'submitSignedChain',
          decision: 'approve',
          nodeId: 'cm2',
          by: 'olga',
          verified: true,
          authenticatedBy: 'api-token',
          eventId: 4,
        }),
      ],
      rules,
    );
    assert.deepEqual([chain?.verified, chain?.via], [true, 'api-token']);
  });

  it('trusts a Temporal identity the operator vouches for only when the name typed in is that identity', () => {
    const vouched = { ...rules, isVerifiedByTemporal: identityMatcher(['*@example.com']) };
    const [same, other] = attestDecisions(
      [decision({ by: 'carol@example.com' }), decision({ gateId: 'tomcat.before-restarts-2', by: 'dave' })],
      [
        message({ name: 'approve', identity: 'carol@example.com', decision: 'approve', by: 'carol@example.com' }),
        message({ name: 'approve', identity: 'erin@example.com', decision: 'approve', by: 'dave', eventId: 2 }),
      ],
      vouched,
    );
    assert.deepEqual([same?.verified, same?.via], [true, 'temporal-ui']);
    assert.deepEqual([other?.verified, other?.via], [false, 'temporal-ui']);
    assert.match(String(other?.unverifiedReason), /not the identity Temporal verified/);
  });
});
