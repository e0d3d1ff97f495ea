/**
 * Notification channels over real HTTP and SMTP on loopback: what each receiver gets for an event, the generic
 * webhook's signature, and how a failing channel fails (retryable or not) without anything else noticing.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { notificationActivities } from '../../activities/notify/deliver';
import { parseInventory } from '../../inventory/load';
import { resolveSecret } from '../../inventory/secrets';
import type { NotificationEvent } from '../../workflows/notification-events';
import { startHttpReceiver, startSmtpReceiver, type HttpReceiver, type SmtpReceiver } from '../support/receivers';

const gateOpened: NotificationEvent = {
  kind: 'gate-opened',
  clusterId: 'lab1',
  workflowId: 'regen-lab1-tomcat-1',
  at: '2026-12-01T02:00:00.000Z',
  title: 'tomcat on lab1: approval needed before start',
  gate: {
    id: 'tomcat/before-start-1',
    kind: 'before-start',
    description: 'Approve regenerating tomcat on 3 nodes',
    allowed: ['approve', 'reject', 'abort'],
    expiresAt: '2026-12-08T02:00:00.000Z',
  },
  warnings: ['Regenerate tomcat-ECDSA next if browsers use it.'],
};

describe('notifications over HTTP and SMTP', () => {
  let http: HttpReceiver;
  let smtp: SmtpReceiver;
  const env: NodeJS.ProcessEnv = {};

  before(async () => {
    http = await startHttpReceiver();
    smtp = await startSmtpReceiver({ username: 'relay', password: 'relay-secret' });
    Object.assign(env, {
      HOOK_URL: `${http.url}/hook`,
      HOOK_KEY: 'hmac-key-1',
      WEBEX_URL: `${http.url}/webex`,
      TEAMS_URL: `${http.url}/teams`,
      SLACK_URL: `${http.url}/slack`,
      SMTP_PASSWORD: 'relay-secret',
      BAD_URL: `${http.url}/gone`,
      DOWN_URL: `${http.url}/down`,
    });
  });
  after(async () => {
    await http.close();
    await smtp.close();
  });

  function activities(extraChannels: unknown[] = []) {
    const inventory = parseInventory({
      clusters: [
        {
          id: 'lab1',
          nodes: [{ id: 'pub', role: 'publisher', host: '127.0.0.1' }],
          credentials: { osAdmin: { username: 'admin', passwordRef: 'env:X' } },
          notifications: [
            { id: 'hook', kind: 'webhook', urlRef: 'env:HOOK_URL', hmacKeyRef: 'env:HOOK_KEY' },
            { id: 'webex', kind: 'webex', urlRef: 'env:WEBEX_URL' },
            { id: 'teams', kind: 'teams', urlRef: 'env:TEAMS_URL' },
            { id: 'slack', kind: 'slack', urlRef: 'env:SLACK_URL', events: ['run-ended'] },
            {
              id: 'mail',
              kind: 'email',
              smtp: {
                host: '127.0.0.1',
                port: smtp.port,
                security: 'none',
                username: 'relay',
                passwordRef: 'env:SMTP_PASSWORD',
              },
              from: 'cert-regen@example.net',
              to: ['uc-oncall@example.net'],
            },
            ...extraChannels,
          ],
        },
      ],
    });
    const attempts: string[] = [];
    const acts = notificationActivities({
      inventory,
      resolveSecret: (ref) => resolveSecret(ref, env),
      links: { apiBaseUrl: 'https://regen.example.net', temporalUiUrl: 'http://127.0.0.1:8233', namespace: 'default' },
      onAttempt: (l) => attempts.push(`${l.channel}:${l.outcome}`),
      timeoutMs: 5_000,
    });
    return { acts, attempts };
  }

  it('sends a gate-opened event to each channel that takes it, in the form each service expects', async () => {
    const { acts, attempts } = activities();
    const channels = await acts.notificationChannels({ clusterId: 'lab1', kind: 'gate-opened' });
    assert.deepEqual(channels, ['hook', 'webex', 'teams', 'mail'], 'slack takes run-ended only');
    for (const channelId of channels)
      await acts.deliverNotification({ clusterId: 'lab1', channelId, deliveryId: `d-${channelId}`, event: gateOpened });
    assert.deepEqual(attempts, ['hook:delivered', 'webex:delivered', 'teams:delivered', 'mail:delivered']);

    const hook = http.requests.find((r) => r.path === '/hook');
    assert.ok(hook, 'the webhook received the event');
    const timestamp = String(hook.headers['x-cucm-cert-regen-timestamp']);
    const expected = `sha256=${createHmac('sha256', 'hmac-key-1').update(`${timestamp}.${hook.body}`).digest('hex')}`;
    assert.equal(hook.headers['x-cucm-cert-regen-signature'], expected, 'the body is signed with the channel key');
    const payload = JSON.parse(hook.body) as {
      deliveryId: string;
      event: NotificationEvent;
      links: { decideCommands: string[]; temporalUi: string };
    };
    assert.equal(payload.deliveryId, 'd-hook');
    assert.equal(payload.event.gate?.id, 'tomcat/before-start-1');
    assert.equal(payload.links.temporalUi, 'http://127.0.0.1:8233/namespaces/default/workflows/regen-lab1-tomcat-1');
    assert.match(
      payload.links.decideCommands[0]!,
      /POST .*"decision":"approve".*\/v1\/regenerations\/regen-lab1-tomcat-1\/gates\/tomcat%2Fbefore-start-1$/,
    );

    const webex = JSON.parse(http.requests.find((r) => r.path === '/webex')!.body) as { markdown: string };
    assert.match(webex.markdown, /\*\*tomcat on lab1: approval needed before start\*\*/);
    assert.match(webex.markdown, /It takes: approve, reject, abort/);
    assert.match(webex.markdown, /Warning: Regenerate tomcat-ECDSA next/);

    const teams = JSON.parse(http.requests.find((r) => r.path === '/teams')!.body) as {
      attachments: { contentType: string; content: { body: { text: string }[]; actions: { url: string }[] } }[];
    };
    assert.equal(teams.attachments[0]?.contentType, 'application/vnd.microsoft.card.adaptive');
    assert.ok(
      teams.attachments[0]?.content.body.some((b) => b.text.includes('It expires at 2026-12-08T02:00:00.000Z')),
    );
    assert.match(teams.attachments[0].content.actions[0]!.url, /workflows\/regen-lab1-tomcat-1$/);

    const mail = smtp.messages.at(-1);
    assert.ok(mail, 'the SMTP server accepted the message');
    assert.equal(mail.user, 'relay', 'it authenticated with the resolved password');
    assert.deepEqual(mail.to, ['uc-oncall@example.net']);
    assert.equal(mail.subject, '[cucm-cert-regen] tomcat on lab1: approval needed before start');
    assert.match(mail.text, /Gate tomcat\/before-start-1 \(before-start\)/);
    assert.match(
      mail.text,
      /Temporal UI: http:\/\/127\.0\.0\.1:8233\/namespaces\/default\/workflows\/regen-lab1-tomcat-1/,
    );
    assert.ok(!mail.raw.includes('relay-secret') && !hook.body.includes('hmac-key-1'), 'no secret in what was sent');
  });

  it('fails a channel retryably on a server error and for good on a refusal, counting each attempt', async () => {
    http.answer('/down', 503);
    http.answer('/gone', 404);
    const { acts, attempts } = activities([
      { id: 'down', kind: 'slack', urlRef: 'env:DOWN_URL' },
      { id: 'gone', kind: 'webex', urlRef: 'env:BAD_URL' },
      {
        id: 'badmail',
        kind: 'email',
        smtp: { host: '127.0.0.1', port: smtp.port, security: 'none', username: 'relay', passwordRef: 'env:HOOK_KEY' },
        from: 'cert-regen@example.net',
        to: ['uc-oncall@example.net'],
      },
    ]);
    const failure = async (channelId: string) => {
      try {
        await acts.deliverNotification({ clusterId: 'lab1', channelId, deliveryId: 'd', event: gateOpened });
      } catch (err) {
        assert.ok(err instanceof ApplicationFailure);
        return err;
      }
      assert.fail(`${channelId} should have failed`);
    };
    const down = await failure('down');
    assert.equal(down.type, 'NotificationUnavailable');
    assert.equal(down.nonRetryable, false);
    assert.match(down.message, /slack channel "down" answered HTTP 503/);
    const gone = await failure('gone');
    assert.equal(gone.type, 'NotificationRefused');
    assert.equal(gone.nonRetryable, true);
    const badmail = await failure('badmail');
    assert.equal(badmail.nonRetryable, true, 'a refused SMTP login does not mend by retrying');
    const unknown = await failure('nope');
    assert.equal(unknown.type, 'NotificationChannelUnknown');
    assert.deepEqual(attempts, ['down:failed', 'gone:failed', 'badmail:failed']);
  });
});
