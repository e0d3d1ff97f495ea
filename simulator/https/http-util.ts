/**
 * Small HTTP helpers shared by the node's HTTPS interfaces: body reading with a size cap, and responses shaped like
 * the ones a CUCM node's Tomcat sends (its HTML error pages, JSON for the platform REST API).
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Far above any request these interfaces take; a runaway client gets 413 instead of exhausting memory. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export class BodyTooLarge extends Error {}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge(`request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The path without query string or trailing slash, e.g. "/axl" for "/axl/?x". */
export function requestPath(req: IncomingMessage): string {
  const path = new URL(req.url ?? '/', 'https://node').pathname;
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

export function queryParam(req: IncomingMessage, name: string): string | undefined {
  return new URL(req.url ?? '/', 'https://node').searchParams.get(name) ?? undefined;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Tomcat's HTML error report page: what a node answers outside the SOAP/JSON protocols (401, 404, 503, ...). */
export function sendTomcatError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: OutgoingHttpHeaders = {},
): void {
  const title = `HTTP Status ${status} – ${REASONS[status] ?? 'Error'}`;
  const body =
    `<!doctype html><html lang="en"><head><title>${title}</title></head><body><h1>${title}</h1><hr class="line" />` +
    `<p><b>Type</b> Status Report</p><p><b>Message</b> ${escapeHtml(message)}</p><hr class="line" /></body></html>`;
  res.writeHead(status, { 'Content-Type': 'text/html;charset=utf-8', 'Content-Language': 'en', ...headers });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function sendXml(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, { 'Content-Type': 'text/xml; charset=utf-8' });
  res.end(xml);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}
