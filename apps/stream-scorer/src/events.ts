// Turns a Kafka value into a Transaction, or into the reason it cannot be one. The contract is the same JSON
// Schema the scoring API validates with, compiled the same way: no coercion ("5" is not a number), no
// silently dropped fields (an unknown field is an error), so an event that passes here passes there.
import { transactionSchema, type Transaction } from '@fraudops/contracts';
import ajvModule, { type ErrorObject } from 'ajv';

// ajv is CommonJS; Node's ESM loader exposes its class only as `default` of the module object.
const Ajv = ajvModule.default;

/** Short, bounded codes: the `code` label of the dead-letter metric and the `x-dead-letter-code` header. */
export type DeadLetterCode = 'invalid_json' | 'invalid_event' | 'rejected_by_api';
export const deadLetterCodes: readonly DeadLetterCode[] = [
  'invalid_json',
  'invalid_event',
  'rejected_by_api',
];

export type Decoded =
  { ok: true; transaction: Transaction } | { ok: false; code: DeadLetterCode; reason: string };

const ajv = new Ajv({
  allErrors: true,
  coerceTypes: false,
  removeAdditional: false,
  useDefaults: false,
  strict: true,
  keywords: ['x-model-features'],
});
const validateTransaction = ajv.compile<Transaction>(transactionSchema);

/** A reason names at most this many problems and counts the rest. */
const MAX_LISTED_PROBLEMS = 5;

/** One line per schema problem, naming the field by JSON pointer, as the scoring API words them. */
export function describeSchemaErrors(errors: readonly ErrorObject[]): string[] {
  return errors.map(({ instancePath, keyword, params, message }) => {
    switch (keyword) {
      case 'required':
        return `${instancePath}/${String(params.missingProperty)} is required`;
      case 'additionalProperties':
        return `${instancePath}/${String(params.additionalProperty)} is not an allowed field`;
      case 'enum':
        return `${instancePath || '/'} must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
      default:
        return `${instancePath || '/'} ${message ?? `fails ${keyword}`}`;
    }
  });
}

export function joinProblems(problems: readonly string[]): string {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).join('; ');
  const more = problems.length - MAX_LISTED_PROBLEMS;
  return more > 0 ? `${listed} (and ${more} more problem${more > 1 ? 's' : ''})` : listed;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes and validates one Kafka value; never throws. */
export function decodeEvent(value: Buffer | undefined): Decoded {
  if (value === undefined || value.length === 0)
    return { ok: false, code: 'invalid_json', reason: 'the value is empty; expected a JSON object' };
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return { ok: false, code: 'invalid_json', reason: 'the value is not valid UTF-8' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      code: 'invalid_json',
      reason: `the value is not valid JSON: ${(error as Error).message}`,
    };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
    return { ok: false, code: 'invalid_event', reason: `the event must be a JSON object, not ${kind}` };
  }
  if (!validateTransaction(parsed)) {
    return {
      ok: false,
      code: 'invalid_event',
      reason: joinProblems(describeSchemaErrors(validateTransaction.errors ?? [])),
    };
  }
  return { ok: true, transaction: parsed };
}
