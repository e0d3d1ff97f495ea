import assert from 'node:assert/strict';
import { InventoryError, parseInventory } from '../../inventory/load';

function withChannels(notifications: unknown) {
  return {
    clusters: [
      {
        id: 'lab1',
        nodes: [{ id: 'pub', role: 'publisher', host: '10.0.0.1' }],
        credentials: { osAdmin: { username: 'admin', passwordRef: 'env:LAB1_OS_ADMIN' } },
        notifications,
      },
    ],
  };
}

function refused(notifications: unknown, message: RegExp) {
  assert.throws(
    () => parseInventory(withChannels(notifications)),
    (err: Error) => err instanceof InventoryError && message.test(err.message),
  );
}

describe('inventory notifications', () => {
  it('accepts every kind of channel, with defaults for SMTP', () => {
    const cluster = parseInventory(
      withChannels([
        { id: 'hook', kind: 'webhook', urlRef: 'env:HOOK', hmacKeyRef: 'file:/run/secrets/hook-key' },
        { id: 'webex', kind: 'webex', urlRef: 'env:WEBEX', events: ['gate-opened', 'run-ended'] },
        { id: 'teams', kind: 'teams', urlRef: 'env:TEAMS' },
        { id: 'slack', kind: 'slack', urlRef: 'env:SLACK' },
        { id: 'mail', kind: 'email', smtp: { host: 'smtp.example.net' }, from: 'a@example.net', to: ['b@example.net'] },
      ]),
    ).clusters[0];
    assert.equal(cluster?.notifications?.length, 5);
    assert.deepEqual(cluster?.notifications?.[4], {
      id: 'mail',
      kind: 'email',
      smtp: { host: 'smtp.example.net', port: 587, security: 'starttls' },
      from: 'a@example.net',
      to: ['b@example.net'],
    });
  });

  it('defaults the SMTP port to 465 under implicit TLS', () => {
    const cluster = parseInventory(
      withChannels([
        {
          id: 'mail',
          kind: 'email',
          smtp: { host: 'smtp.example.net', security: 'tls' },
          from: 'a@b.c',
          to: ['d@e.f'],
        },
      ]),
    ).clusters[0];
    const channel = cluster?.notifications?.[0];
    assert.equal(channel?.kind === 'email' ? channel.smtp.port : undefined, 465);
  });

  it('has no channels when the field is absent', () => {
    assert.equal(parseInventory(withChannels(undefined)).clusters[0]?.notifications, undefined);
  });

  it('refuses a URL, key or password in clear, naming the cluster, the channel (by index) and the field', () => {
    refused(
      [{ id: 'webex', kind: 'webex', url: 'https://webexapis.com/v1/webhooks/incoming/abc' }],
      /^cluster "lab1" notifications\[0\]: put a secret reference in "urlRef" \(env:NAME or file:\/path\), not "url"/,
    );
    refused(
      [{ id: 'hook', kind: 'webhook', urlRef: 'env:HOOK', hmacKey: 'k' }],
      /^cluster "lab1" notifications\[0\]: put a secret reference in "hmacKeyRef"/,
    );
    refused(
      [{ id: 'mail', kind: 'email', smtp: { host: 'h', username: 'u', password: 'p' }, from: 'a@b.c', to: ['d@e.f'] }],
      /^cluster "lab1" notifications\[0\]\.smtp: put a secret reference in "passwordRef" \(env:NAME or file:\/path\), not a password/,
    );
    refused(
      [{ id: 'teams', kind: 'teams', urlRef: 'https://x' }],
      /^cluster "lab1" notifications\[0\]\.urlRef: must be a secret reference/,
    );
  });

  it('refuses unknown kinds, events, duplicate ids and bad addresses', () => {
    refused(
      [{ id: 'x', kind: 'pager' }],
      /^cluster "lab1" notifications\[0\]\.kind: must be one of webhook, webex, teams, slack, email/,
    );
    refused(
      [{ id: 'x', kind: 'slack', urlRef: 'env:S', events: ['gate-closed'] }],
      /^cluster "lab1" notifications\[0\]\.events\[0\]: must be one of "gate-opened"/,
    );
    refused(
      [
        { id: 'x', kind: 'slack', urlRef: 'env:S' },
        { id: 'x', kind: 'webex', urlRef: 'env:W' },
      ],
      /^cluster "lab1" notifications\[1\]\.id: "x" is used twice/,
    );
    refused(
      [{ id: 'm', kind: 'email', smtp: { host: 'h' }, from: 'nobody', to: ['d@e.f'] }],
      /^cluster "lab1" notifications\[0\]\.from: must be an e-mail address/,
    );
    refused(
      [{ id: 'm', kind: 'email', smtp: { host: 'h', security: 'ssl' }, from: 'a@b.c', to: ['d@e.f'] }],
      /^cluster "lab1" notifications\[0\]\.smtp\.security: must be one of "starttls", "tls", "none"/,
    );
  });
});
