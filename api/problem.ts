/**
 * Errors as RFC 9457 problem documents (`application/problem+json`), with a detail that says what to fix.
 */
import { STATUS_CODES } from 'node:http';
import { ServiceError, isGrpcServiceError } from '@temporalio/client';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    /** Extension members of the problem document (e.g. the ids of the runs holding a cluster). */
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

function titleOf(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

export function sendProblem(
  reply: FastifyReply,
  status: number,
  title: string,
  detail: string,
  extensions: Record<string, unknown> = {},
): FastifyReply {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ ...extensions, type: 'about:blank', title, status, detail });
}

/** A Temporal call the API gave up waiting for (see withTemporalDeadline). */
export class TemporalTimeout extends Error {
  override name = 'TemporalTimeout';
}

/** Temporal did not answer (down, unreachable, or too slow): the caller should retry later, not fix the request. */
export function isTemporalUnavailable(error: unknown): boolean {
  if (error instanceof ServiceError || error instanceof TemporalTimeout) return true;
  if (isGrpcServiceError(error)) return true;
  return error instanceof Error && /DEADLINE_EXCEEDED|UNAVAILABLE|Failed to connect/i.test(error.message);
}

interface ValidationIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
  parentSchema?: { description?: string };
}

function describeIssue(where: string, v: ValidationIssue): string {
  const path = v.instancePath ? `${where}${v.instancePath.replace(/\//g, '.')}` : where;
  if (v.keyword === 'additionalProperties')
    return `${path} has an unknown field "${String(v.params.additionalProperty)}"`;
  if (v.keyword === 'enum') return `${path} must be one of: ${(v.params.allowedValues as unknown[]).join(', ')}`;
  if (v.keyword === 'required') return `${path} must have the field "${String(v.params.missingProperty)}"`;
  // A pattern means nothing to most callers: say what the field is instead (its schema description).
  if ((v.keyword === 'pattern' || v.keyword === 'anyOf') && v.parentSchema?.description)
    return `${path} is not valid: expected ${v.parentSchema.description}`;
  return `${path} ${v.message ?? 'is invalid'}`;
}

/** Fastify's own 4xx errors, in words that say what to change. */
const FASTIFY_HINTS: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Send the body as JSON, with the header Content-Type: application/json.',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is larger than this API accepts (64 KiB); send a smaller one.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Content-Type is application/json but the body is empty; send a JSON document.',
  FST_ERR_CTP_INVALID_JSON_BODY: 'The body is not valid JSON; check its syntax.',
};

export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpProblem, request, reply) => {
    if (error instanceof HttpProblem) {
      for (const [name, value] of Object.entries(error.headers)) void reply.header(name, value);
      return sendProblem(reply, error.status, error.title, error.detail, error.extensions);
    }
    if (error.validation) {
      const where = error.validationContext ?? 'request';
      // A union's failed `const` branch (e.g. "must be equal to constant" for `false`) says nothing its anyOf does not.
      const details = (error.validation as unknown as ValidationIssue[])
        .filter((v) => v.keyword !== 'const')
        .map((v) => describeIssue(where, v));
      return sendProblem(reply, 400, 'Bad Request', `${[...new Set(details)].join('; ')}.`);
    }
    if (isTemporalUnavailable(error)) {
      request.log.warn({ err: error }, 'Temporal did not answer');
      return sendProblem(
        reply,
        503,
        titleOf(503),
        'Temporal did not answer; nothing was started. Retry later (GET /readyz answers 200 once it is back).',
      );
    }
    const code = error.statusCode;
    const status = code && code >= 400 && code < 500 ? code : 500;
    if (status === 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(
      reply,
      status,
      titleOf(status),
      status === 500
        ? 'The server failed to handle the request; see its log.'
        : (FASTIFY_HINTS[error.code] ?? error.message),
    );
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 404, 'Not Found', `No route ${request.method} ${request.url.split('?')[0]}.`),
  );
}
