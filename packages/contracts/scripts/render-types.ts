import { fileURLToPath } from 'node:url';
import { compile, type JSONSchema } from 'json-schema-to-typescript';
import {
  labelSchema,
  modelCardSchema,
  scoreSchema,
  scoredTransactionSchema,
  transactionSchema,
  worldSettingsSchema,
} from '../src/schemas.ts';

export const typesFile = fileURLToPath(new URL('../src/types.generated.ts', import.meta.url));
const schemasDir = fileURLToPath(new URL('../schemas/', import.meta.url));

const banner = `/* Generated from packages/contracts/schemas by scripts/generate-types.ts. Do not edit: run \`npm run generate\`. */`;

/** Renders the TypeScript declarations of every contract schema, in one file. */
export async function renderTypes(): Promise<string> {
  const parts: string[] = [];
  // Referenced schemas (metrics) are declared with the first root that uses them.
  for (const schema of [
    modelCardSchema,
    scoreSchema,
    transactionSchema,
    scoredTransactionSchema,
    labelSchema,
    worldSettingsSchema,
  ]) {
    const declarations = await compile(structuredClone(schema) as JSONSchema, schema.title, {
      bannerComment: '',
      cwd: schemasDir,
      additionalProperties: false,
      format: true,
      style: { singleQuote: true, printWidth: 110 },
    });
    parts.push(declarations.trim());
  }
  return `${banner}\n\n${parts.join('\n\n')}\n`;
}
