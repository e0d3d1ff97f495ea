/**
 * Delivery of one notification to one channel: the activity `deliverNotification`. It resolves the channel's secret
 * references at run time, sends once with a deadline, and throws on failure so Temporal retries it (a 4xx that a
 * retry cannot mend is non-retryable). The workflow never waits on it for a step: a failing channel shows in the
 * run's state and in `cucm_notification_deliveries_total`, and never fails or blocks a run.
 */
import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import axios, { type AxiosInstance } from 'axios';
import nodemailer from 'nodemailer';
import type { EmailChannel, Inventory, NotificationChannel } from '../../domain/inventory/types';
import type { NotificationEvent, ReminderDelays } from '../../domain/notification-events';
import { DEFAULT_ESCALATE_AFTER_SECONDS, DEFAULT_REMIND_AFTER_SECONDS } from '../../domain/inventory/schema';
import {
  emailSubject,
  linksFor,
  markdown,
  plainText,
  slackBody,
  teamsBody,
  webhookBody,
  type LinkBases,
} from './render';

export interface DeliverNotificationInput {
  clusterId: string;
  channelId: string;
  /** Stable across retries (the workflow derives it): receivers can drop duplicates. */
  deliveryId: string;
  event: NotificationEvent;
}

export interface DeliveryResult {
  channelId: string;
  kind: NotificationChannel['kind'];
  /** HTTP status, or the SMTP server's reply to the message. */
  response: string;
}

type DeliveryOutcome = 'delivered' | 'failed';

export interface NotificationDeps {
  inventory: Inventory;
  links: LinkBases;
  resolveSecret: (ref: string) => string;
  /** Per attempt; the worker counts them in cucm_notification_deliveries_total. */
  onAttempt?: (labels: { cluster: string; channel: string; kind: string; outcome: DeliveryOutcome }) => void;
  /** One attempt's deadline; the workflow bounds all attempts with its own schedule-to-close timeout. */
  timeoutMs?: number;
}

/** HMAC headers of the generic webhook: `X-Cucm-Cert-Regen-Signature: sha256=<hex of HMAC(key, "<t>.<body>")>`. */
function webhookSignature(key: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * The channels of a cluster that take this event kind: the notification channels that list it (all events when
 * they list none), and for gate-escalated the escalation channels too.
 */
function channelsFor(inventory: Inventory, clusterId: string, kind: NotificationEvent['kind']): NotificationChannel[] {
  const cluster = inventory.clusters.find((c) => c.id === clusterId);
  return [
    ...(cluster?.notifications ?? []).filter((c) => !c.events || c.events.includes(kind)),
    ...(kind === 'gate-escalated' ? (cluster?.escalation ?? []) : []),
  ];
}

function httpFailure(channel: NotificationChannel, err: unknown): ApplicationFailure {
  if (axios.isAxiosError(err)) {
    const status = err.response?.status;
    // A wrong URL or a refused token does not mend itself; rate limits and server errors may.
    const permanent = status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
    const message = status
      ? `${channel.kind} channel "${channel.id}" answered HTTP ${status}`
      : `${channel.kind} channel "${channel.id}" unreachable: ${err.code ?? err.message}`;
    return permanent
      ? ApplicationFailure.nonRetryable(message, 'NotificationRefused')
      : ApplicationFailure.retryable(message, 'NotificationUnavailable');
  }
  return ApplicationFailure.retryable(
    `${channel.kind} channel "${channel.id}": ${err instanceof Error ? err.message : String(err)}`,
    'NotificationUnavailable',
  );
}

export function notificationActivities(deps: NotificationDeps) {
  const { resolveSecret } = deps;
  const timeout = deps.timeoutMs ?? 10_000;
  // Webhooks are the organisation's own endpoints or the chat vendors': no redirects, no proxies from the
  // environment guessing for us, JSON only.
  const http: AxiosInstance = axios.create({ timeout, maxRedirects: 0, proxy: false });

  async function post(channel: NotificationChannel, url: string, body: string, headers: Record<string, string> = {}) {
    try {
      const response = await http.post(url, body, { headers: { 'content-type': 'application/json', ...headers } });
      return `HTTP ${response.status}`;
    } catch (err) {
      throw httpFailure(channel, err);
    }
  }

  async function email(channel: EmailChannel, input: DeliverNotificationInput) {
    const { smtp } = channel;
    const transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.security === 'tls',
      requireTLS: smtp.security === 'starttls',
      ignoreTLS: smtp.security === 'none',
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      ...(smtp.username && smtp.passwordRef
        ? { auth: { user: smtp.username, pass: resolveSecret(smtp.passwordRef) } }
        : {}),
    });
    const links = linksFor(input.event, deps.links);
    try {
      const info = await transport.sendMail({
        from: channel.from,
        to: channel.to,
        subject: emailSubject(input.event),
        text: plainText(input.event, links),
        messageId: `<${input.deliveryId.replace(/[^A-Za-z0-9._-]/g, '.')}@cucm-cert-regen>`,
        headers: { 'X-Cucm-Cert-Regen-Event': input.event.kind },
      });
      return info.response;
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode;
      const message = `email channel "${channel.id}": ${err instanceof Error ? err.message : String(err)}`;
      // 5xx SMTP replies (bad recipient, refused sender, failed auth) are permanent; 4xx and network errors are not.
      throw code !== undefined && code >= 500
        ? ApplicationFailure.nonRetryable(message, 'NotificationRefused')
        : ApplicationFailure.retryable(message, 'NotificationUnavailable');
    } finally {
      transport.close();
    }
  }

  async function send(channel: NotificationChannel, input: DeliverNotificationInput): Promise<string> {
    const links = linksFor(input.event, deps.links);
    switch (channel.kind) {
      case 'webhook': {
        const body = JSON.stringify(webhookBody(input.event, links, input.deliveryId));
        const timestamp = String(Math.floor(Date.now() / 1000));
        return post(channel, resolveSecret(channel.urlRef), body, {
          'x-cucm-cert-regen-event': input.event.kind,
          'x-cucm-cert-regen-delivery': input.deliveryId,
          'x-cucm-cert-regen-timestamp': timestamp,
          'x-cucm-cert-regen-signature': webhookSignature(resolveSecret(channel.hmacKeyRef), timestamp, body),
        });
      }
      case 'webex':
        return post(channel, resolveSecret(channel.urlRef), JSON.stringify({ markdown: markdown(input.event, links) }));
      case 'slack':
        return post(channel, resolveSecret(channel.urlRef), JSON.stringify(slackBody(input.event, links)));
      case 'teams':
        return post(channel, resolveSecret(channel.urlRef), JSON.stringify(teamsBody(input.event, links)));
      case 'email':
        return email(channel, input);
    }
  }

  return {
    /** Sends one event to one channel of the cluster. */
    async deliverNotification(input: DeliverNotificationInput): Promise<DeliveryResult> {
      const cluster = deps.inventory.clusters.find((c) => c.id === input.clusterId);
      const channel = [...(cluster?.notifications ?? []), ...(cluster?.escalation ?? [])].find(
        (c) => c.id === input.channelId,
      );
      if (!channel)
        throw ApplicationFailure.nonRetryable(
          `Cluster ${input.clusterId} has no notification channel "${input.channelId}" in the inventory.`,
          'NotificationChannelUnknown',
        );
      const labels = { cluster: input.clusterId, channel: channel.id, kind: channel.kind };
      try {
        const response = await send(channel, input);
        deps.onAttempt?.({ ...labels, outcome: 'delivered' });
        return { channelId: channel.id, kind: channel.kind, response };
      } catch (err) {
        deps.onAttempt?.({ ...labels, outcome: 'failed' });
        throw err;
      }
    },
    /** When a gate left open is reminded of, then escalated (the cluster's gateReminders with their defaults). */
    async gateReminderDelays(input: { clusterId: string }): Promise<ReminderDelays> {
      const reminders = deps.inventory.clusters.find((c) => c.id === input.clusterId)?.gateReminders;
      return {
        remindAfterSeconds: reminders?.remindAfterSeconds ?? DEFAULT_REMIND_AFTER_SECONDS,
        escalateAfterSeconds: reminders?.escalateAfterSeconds ?? DEFAULT_ESCALATE_AFTER_SECONDS,
      };
    },
    /** The channel ids that take an event kind (the workflow asks, then delivers to each; ids only). */
    async notificationChannels(input: { clusterId: string; kind: NotificationEvent['kind'] }): Promise<string[]> {
      return channelsFor(deps.inventory, input.clusterId, input.kind).map((c) => c.id);
    },
  };
}
