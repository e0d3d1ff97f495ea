/** The change report: one builder over a typed input, three renderings of its Report. */
export { buildReport, inferredCommandOf, NOT_RECORDED, sentOf, temporalUrl } from './build';
export { escapeHtml, renderHtml } from './html';
export { renderMarkdown } from './markdown';
export type * from './types';

import { renderHtml } from './html';
import { renderMarkdown } from './markdown';
import type { Report } from './types';

export const REPORT_FORMATS = ['md', 'html', 'json'] as const;
type ReportFormat = (typeof REPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<ReportFormat, string> = {
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

export function render(report: Report, format: ReportFormat): string {
  if (format === 'html') return renderHtml(report);
  if (format === 'md') return renderMarkdown(report);
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * The format a request asks for: `?format=` wins; else the Accept header's most preferred of text/markdown,
 * text/html and application/json (q-values honoured); else (no Accept, or `*\/*` as curl sends) Markdown, the
 * form a change ticket takes as text or attachment. Undefined when Accept names none of them (a 406).
 */
export function negotiate(format: string | undefined, accept: string | undefined): ReportFormat | undefined {
  if (format) return (REPORT_FORMATS as readonly string[]).includes(format) ? (format as ReportFormat) : undefined;
  if (!accept) return 'md';
  const byType: Record<string, ReportFormat> = {
    'text/markdown': 'md',
    'text/x-markdown': 'md',
    'text/html': 'html',
    'application/xhtml+xml': 'html',
    'application/json': 'json',
  };
  const ranked = accept
    .split(',')
    .map((part, i) => {
      const [type = '', ...params] = part.trim().toLowerCase().split(';');
      const q = Number(
        params
          .map((p) => p.trim())
          .find((p) => p.startsWith('q='))
          ?.slice(2) ?? '1',
      );
      return { type: type.trim(), q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((a) => a.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const a of ranked) {
    if (byType[a.type]) return byType[a.type];
    if (a.type === '*/*' || a.type === 'text/*') return 'md';
    if (a.type === 'application/*') return 'json';
  }
  return undefined;
}
