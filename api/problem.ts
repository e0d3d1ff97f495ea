/**
 * Errors as RFC 9457 problem documents (`application/problem+json`), with a detail that says what to fix.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export function sendProblem(reply: FastifyReply, status: number, title: string, detail: string): FastifyReply {
  return reply.code(status).type('application/problem+json').send({ type: 'about:blank', title, status, detail });
}

export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpProblem, request, reply) => {
    if (error instanceof HttpProblem) return sendProblem(reply, error.status, error.title, error.detail);
    if (error.validation) {
      const where = error.validationContext ?? 'request';
      const details = error.validation.map((v) => {
        const path = v.instancePath ? `${where}${v.instancePath.replace(/\//g, '.')}` : where;
        if (v.keyword === 'additionalProperties')
          return `${path} has an unknown field "${String(v.params.additionalProperty)}"`;
        if (v.keyword === 'enum') return `${path} must be one of: ${(v.params.allowedValues as unknown[]).join(', ')}`;
        return `${path} ${v.message ?? 'is invalid'}`;
      });
      return sendProblem(reply, 400, 'Bad Request', `${details.join('; ')}.`);
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(
      reply,
      status,
      status === 500 ? 'Internal Server Error' : 'Bad Request',
      status === 500 ? 'The server failed to handle the request; see its log.' : error.message,
    );
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 404, 'Not Found', `No route ${request.method} ${request.url}.`),
  );
}
