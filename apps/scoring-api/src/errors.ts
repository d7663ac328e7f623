// Turns every failure into a JSON answer a client can act on. Client mistakes are 4xx naming the field and
// are logged at info level at most; only the service's own faults are 5xx and logged as errors.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';

export interface FieldProblem {
  /** JSON pointer into the body, e.g. /transactions/3/tx_amount; '' is the body itself. */
  field: string;
  message: string;
}

interface AjvLikeError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string | undefined;
}

/** One problem per ajv error, pointing at the field itself, also for missing and unexpected fields. */
export function describeValidationErrors(errors: readonly AjvLikeError[]): FieldProblem[] {
  return errors.map(({ instancePath, keyword, params, message }) => {
    switch (keyword) {
      case 'required':
        return { field: `${instancePath}/${String(params.missingProperty)}`, message: 'is required' };
      case 'additionalProperties':
        return {
          field: `${instancePath}/${String(params.additionalProperty)}`,
          message: 'is not an allowed field',
        };
      case 'enum':
        return {
          field: instancePath,
          message: `must be one of ${(params.allowedValues as unknown[]).join(', ')}`,
        };
      default:
        return { field: instancePath, message: message ?? keyword };
    }
  });
}

export function summarize(problems: readonly FieldProblem[], context: string): string {
  const [first] = problems;
  if (first === undefined) return `${context} is invalid`;
  const more =
    problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return `${context}${first.field} ${first.message}${more}`;
}

/** At most this many field problems are listed in a 400 answer; the message counts them all. */
export const MAX_LISTED_PROBLEMS = 20;

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

export function registerErrorHandlers(app: FastifyInstance): void {
  // 405 with Allow for a known path and another method, 404 otherwise.
  const answerUnrouted = (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = HTTP_METHODS.filter((method) => app.hasRoute({ method, url: path }));
    if (allowed.length > 0) {
      return reply
        .code(405)
        .header('allow', allowed.join(', '))
        .send({
          statusCode: 405,
          error: 'Method Not Allowed',
          message: `${path} does not accept ${request.method}; it accepts ${allowed.join(', ')}`,
        });
    }
    return reply.code(404).send({
      statusCode: 404,
      error: 'Not Found',
      message: `no route ${request.method} ${path}; see GET / for the API`,
    });
  };
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // A request for no route can fail body parsing first (e.g. QUERY without a content type): it is still unrouted.
    if (request.is404) return answerUnrouted(request, reply);
    if (error.validation) {
      const all = describeValidationErrors(error.validation);
      const message = summarize(all, error.validationContext ?? 'body');
      // A batch of bad items must not turn a small request into a huge answer and log line.
      const errors = all.slice(0, MAX_LISTED_PROBLEMS);
      request.log.info({ errors, problems: all.length }, `rejected invalid request: ${message}`);
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message, errors });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const message =
        error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? `content type ${request.headers['content-type'] ?? '(none)'} is not supported; send application/json`
          : error.message || 'bad request';
      request.log.info({ code: error.code }, `rejected request: ${message}`);
      return reply.code(status).send({ statusCode: status, error: errorName(status), message });
    }
    request.log.error({ err: error }, 'request failed');
    // Our own faults stay opaque unless the error says its message is meant for the client (`expose`, the
    // http-errors convention), as a model's invalid output does.
    const message = (error as { expose?: unknown }).expose === true ? error.message : 'internal error';
    return reply.code(status).send({ statusCode: status, error: errorName(status), message });
  });

  app.setNotFoundHandler(answerUnrouted);
}

function errorName(status: number): string {
  return STATUS_CODES[status] ?? 'Client Error';
}
