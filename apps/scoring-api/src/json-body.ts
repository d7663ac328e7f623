// JSON is the only body this API takes. The parser replaces Fastify's default so that a client learns what
// is wrong with its JSON (the default says only "not valid JSON"); secure-json-parse still refuses
// prototype poisoning, as Fastify's own parser does.
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';

function clientError(message: string): Error & { statusCode: number } {
  return Object.assign(new Error(message), { statusCode: 400 });
}

export function acceptOnlyJson(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') {
      done(clientError('body is empty; send a JSON object'), undefined);
      return;
    }
    try {
      done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (error) {
      done(clientError(`body is not valid JSON: ${(error as Error).message}`), undefined);
    }
  });
}
