/**
 * Notification channels over real HTTP and SMTP on loopback: what each receiver gets for an event, the generic
 * webhook's signature, and how a failing channel fails (retryable or not) without anything else noticing.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { notificationActivities } from '../../activities/notify/deliver';
import { parseInventory } from '../../inventory/load';
import { resolveSecret } from '../../inventory/secrets';
import { createWorker } from '../../worker/create-worker';
import { decideGateUpdate, stateQuery } from '../../domain/messages';
import type { NotificationEvent } from '../../domain/notification-events';
import { regenerateCertificate } from '../../workflows/regenerate-certificate';
import { waitFor } from '../support/net';
import { startHttpReceiver, startSmtpReceiver, type HttpReceiver, type SmtpReceiver } from '../support/receivers';
import { ONE_NODE, startSimulatedCluster, type SimulatedCluster } from '../support/simulator';
import { sharedDevServer, sharedWorkflowBundle, uniqueTaskQueue } from '../support/temporal';

const gateOpened: NotificationEvent = {
  kind: 'gate-opened',
  clusterId: 'lab1',
  workflowId: 'regen-lab1-tomcat-1',
  at: '2026-12-01T02:00:00.000Z',
  title: 'tomcat on lab1: approval needed before start',
  gate: {
    id: 'tomcat.before-start-1',
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
    assert.equal(payload.event.gate?.id, 'tomcat.before-start-1');
    assert.equal(payload.links.temporalUi, 'http://127.0.0.1:8233/namespaces/default/workflows/regen-lab1-tomcat-1');
    assert.match(
      payload.links.decideCommands[0]!,
      /POST .*"decision":"approve".*\/v1\/regenerations\/regen-lab1-tomcat-1\/gates\/tomcat.before-start-1$/,
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
    assert.match(mail.text, /Gate tomcat\.before-start-1 \(before-start\)/);
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

describe('notifications from a run (real Temporal, the simulator, a webhook and an SMTP server on loopback)', function () {
  this.timeout(180_000);
  let lab: SimulatedCluster;
  let http: HttpReceiver;
  let smtp: SmtpReceiver;
  let worker: Worker;
  let running: Promise<void>;
  let taskQueue: string;

  before(async function () {
    this.timeout(120_000);
    http = await startHttpReceiver();
    smtp = await startSmtpReceiver();
    const [env, workflowBundle, started] = await Promise.all([
      sharedDevServer(),
      sharedWorkflowBundle(),
      startSimulatedCluster([{ ...ONE_NODE, id: 'notify1' }]),
    ]);
    lab = started;
    const channelSecrets = new Map([
      ['env:NOTIFY_HOOK_URL', `${http.url}/hook`],
      ['env:NOTIFY_HOOK_KEY', 'run-hmac-key'],
    ]);
    const cluster = lab.inventory.clusters[0]!;
    cluster.notifications = [
      { id: 'hook', kind: 'webhook', urlRef: 'env:NOTIFY_HOOK_URL', hmacKeyRef: 'env:NOTIFY_HOOK_KEY' },
      {
        id: 'mail',
        kind: 'email',
        events: ['run-ended'],
        smtp: { host: '127.0.0.1', port: smtp.port, security: 'none' },
        from: 'cert-regen@example.net',
        to: ['uc-oncall@example.net'],
      },
    ];
    taskQueue = uniqueTaskQueue('notify');
    worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle,
      activities: createActivities({
        ...lab.activityDeps,
        resolveSecret: (ref) => channelSecrets.get(ref) ?? lab.activityDeps.resolveSecret(ref),
        notifications: {
          links: {
            apiBaseUrl: 'https://regen.example.net',
            temporalUiUrl: 'http://ui.example.net',
            namespace: 'default',
          },
        },
      }),
    });
    running = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await running;
    await lab?.sim.stop();
    await http?.close();
    await smtp?.close();
  });

  it('tells the webhook that a gate opened (with how to decide it), then both channels that the run completed', async () => {
    const env = await sharedDevServer();
    const handle = await env.client.workflow.start(regenerateCertificate, {
      workflowId: `regen-notify1-${Date.now()}`,
      taskQueue,
      args: [{ clusterId: 'notify1', units: ['tomcat'], requestedBy: 'test' }],
    });
    const hookEvents = () =>
      http.requests
        .filter((r) => r.path === '/hook')
        .map((r) => JSON.parse(r.body) as { event: NotificationEvent; links: { decideCommands?: string[] } });
    const opened = await waitFor('the gate-opened webhook', async () =>
      hookEvents().find((e) => e.event.kind === 'gate-opened'),
    );
    assert.equal(opened.event.gate?.id, 'tomcat.before-start-1');
    assert.equal(opened.event.workflowId, handle.workflowId);
    assert.match(opened.event.title, /tomcat on notify1: approval needed before anything changes/);
    assert.ok(
      opened.links.decideCommands?.some((c) =>
        c.includes(`/v1/regenerations/${handle.workflowId}/gates/tomcat.before-start-1`),
      ),
    );
    const state = await handle.query(stateQuery);
    assert.equal(state.pendingGates[0]?.id, 'tomcat.before-start-1', 'the run waits at its gate meanwhile');

    await handle.executeUpdate(decideGateUpdate, {
      args: [{ gateId: 'tomcat.before-start-1', decision: 'approve', by: 'alice' }],
    });
    await handle.result();
    const ended = hookEvents().find((e) => e.event.kind === 'run-ended');
    assert.equal(ended?.event.outcome, 'completed', 'the run waited for its deliveries before it completed');
    const mail = smtp.messages.find((m) => m.subject.includes('tomcat on notify1: completed'));
    assert.ok(mail, 'the e-mail channel got the end of the run');
    assert.equal(
      smtp.messages.filter((m) => m.subject.includes('approval needed')).length,
      0,
      'e-mail takes run-ended only',
    );
  });

  it('a channel that keeps failing never blocks the run: the gate still opens and the failure is in the state', async () => {
    http.answer('/hook', 404);
    const env = await sharedDevServer();
    const handle = await env.client.workflow.start(regenerateCertificate, {
      workflowId: `regen-notify1-fail-${Date.now()}`,
      taskQueue,
      args: [{ clusterId: 'notify1', units: ['tomcat'], requestedBy: 'test' }],
    });
    const state = await waitFor('the failed delivery in the state', async () => {
      const s = await handle.query(stateQuery);
      return s.pendingGates.length && s.notificationFailures?.length ? s : undefined;
    });
    assert.equal(state.pendingGates[0]?.id, 'tomcat.before-start-1');
    assert.match(state.notificationFailures?.[0]?.message ?? '', /webhook channel "hook" answered HTTP 404/);
    await handle.cancel();
    await assert.rejects(
      handle.result(),
      (err: unknown) => err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure,
      'the run should end cancelled (by the test), not fail on its channel',
    );
    const refused = http.requests.filter((r) => r.path === '/hook' && r.body.includes(handle.workflowId));
    // Each event once: the gate that opened and the run's end, both answered 404 and neither retried.
    const kinds = refused.map((r) => (JSON.parse(r.body) as { event?: { kind?: string } }).event?.kind);
    assert.deepEqual(kinds, ['gate-opened', 'run-ended'], `deliveries to the failing channel: ${kinds.join(', ')}`);
    http.answer('/hook', 200);
  });
});
