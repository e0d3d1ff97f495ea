/**
 * What a notification says, per channel: pure functions from an event and its links to the body each service
 * expects. Kept apart from delivery so tests can read exactly what a person will see.
 */
import type { NotificationEvent } from '../../domain/notification-events';

/** Where a person acts on the event: the REST call and the Temporal UI page. Absent for the expiry watch. */
interface NotificationLinks {
  /** The run in the Temporal UI. */
  temporalUi?: string;
  /** The run document over REST. */
  run?: string;
  /** A curl command that decides the open gate (one per allowed decision is too much; the first is shown). */
  decideCommands?: string[];
}

export interface LinkBases {
  /** The API as people reach it, e.g. https://cert-regen.example.net (API_PUBLIC_URL). */
  apiBaseUrl: string;
  /** The Temporal Web UI, e.g. http://127.0.0.1:8233 (TEMPORAL_UI_URL). */
  temporalUiUrl: string;
  namespace: string;
}

export function linksFor(event: NotificationEvent, bases: LinkBases): NotificationLinks {
  if (!event.workflowId) return {};
  const id = encodeURIComponent(event.workflowId);
  const api = bases.apiBaseUrl.replace(/\/+$/, '');
  const links: NotificationLinks = {
    temporalUi: `${bases.temporalUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(bases.namespace)}/workflows/${id}`,
  };
  // Only regeneration runs have a run document (an expiry watch that found nothing to start has none).
  if (event.workflowId.startsWith('regen-')) links.run = `${api}/v1/regenerations/${id}`;
  if (event.gate) {
    const gate = encodeURIComponent(event.gate.id);
    links.decideCommands = event.gate.allowed.map(
      (decision) =>
        `curl -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' ` +
        `-d '{"decision":"${decision}","comment":"..."}' ${api}/v1/regenerations/${id}/gates/${gate}`,
    );
  }
  return links;
}

/** The event as lines of plain text, the common core of every channel. */
function textLines(event: NotificationEvent, links: NotificationLinks): string[] {
  const lines: string[] = [];
  lines.push(`Cluster: ${event.clusterId}${event.workflowId ? `, run ${event.workflowId}` : ''}`);
  lines.push(...(event.details ?? []));
  if (event.gate) {
    lines.push(`Gate ${event.gate.id} (${event.gate.kind}): ${event.gate.description}`);
    lines.push(`It takes: ${event.gate.allowed.join(', ')}.`);
    if (event.gate.expiresAt) lines.push(`It expires at ${event.gate.expiresAt}.`);
  }
  for (const warning of event.warnings ?? []) lines.push(`Warning: ${warning}`);
  if (event.step) {
    lines.push(`Failed step: ${event.step.description} (${event.step.id})`);
    if (event.step.errorType || event.step.message)
      lines.push(`Error: ${[event.step.errorType, event.step.message].filter(Boolean).join(': ')}`);
  }
  if (event.missingPhones) {
    const { count, names } = event.missingPhones;
    lines.push(
      `Phones still missing: ${count}${names.length ? ` (${names.join(', ')}${count > names.length ? ', ...' : ''})` : ''}`,
    );
  }
  if (event.outcome) lines.push(`Outcome: ${event.outcome}`);
  if (event.manualActions?.length) {
    lines.push('Left to do by hand:');
    event.manualActions.forEach((action, i) => lines.push(`  ${i + 1}. ${action}`));
  }
  for (const c of event.dueCertificates ?? [])
    lines.push(`${c.unit} on ${c.node}: ${c.daysLeft} days left (expires ${c.notAfter})`);
  if (links.decideCommands?.length) {
    lines.push('Decide over REST:');
    lines.push(...links.decideCommands.map((c) => `  ${c}`));
  }
  if (links.temporalUi) lines.push(`Temporal UI: ${links.temporalUi}`);
  if (links.run) lines.push(`Run document: ${links.run}`);
  return lines;
}

export function plainText(event: NotificationEvent, links: NotificationLinks): string {
  return [event.title, '', ...textLines(event, links)].join('\n');
}

/** Markdown for Webex (its incoming webhooks render `markdown`). */
export function markdown(event: NotificationEvent, links: NotificationLinks): string {
  const body = textLines(event, links).map((line) => (line.startsWith('  curl') ? `\`${line.trim()}\`` : line));
  return [`**${event.title}**`, '', ...body].join('  \n');
}

/** Slack's incoming webhook body: `text` for notifications and clients without blocks, one section in mrkdwn. */
export function slackBody(event: NotificationEvent, links: NotificationLinks): object {
  return {
    text: event.title,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: event.title.slice(0, 150) } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: '```' + textLines(event, links).join('\n').slice(0, 2900) + '```' },
      },
    ],
  };
}

/**
 * Microsoft Teams: the Workflows ("Post to a channel when a webhook request is received") webhook takes a message
 * with an Adaptive Card attachment (the Office 365 connectors' MessageCard is retired).
 */
export function teamsBody(event: NotificationEvent, links: NotificationLinks): object {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', size: 'Medium', weight: 'Bolder', wrap: true, text: event.title },
            ...textLines(event, links).map((line) => ({ type: 'TextBlock', wrap: true, text: line })),
          ],
          actions: links.temporalUi
            ? [{ type: 'Action.OpenUrl', title: 'Open in Temporal UI', url: links.temporalUi }]
            : [],
        },
      },
    ],
  };
}

/** The generic webhook's body: the event itself and its links, for a program to act on. */
export function webhookBody(event: NotificationEvent, links: NotificationLinks, deliveryId: string): object {
  return { deliveryId, event, links };
}

export function emailSubject(event: NotificationEvent): string {
  return `[cucm-cert-regen] ${event.title}`;
}
