import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderTypes, typesFile } from '../scripts/render-types.ts';

describe('generated contract types', () => {
  it('match what the schemas generate (run `npm run generate` after editing a schema)', async () => {
    expect(await readFile(typesFile, 'utf8')).toBe(await renderTypes());
  });
});
