// Writes src/types.generated.ts from the JSON Schemas. `npm run generate` after editing a schema;
// test/types-in-sync.test.ts fails while the committed file differs from what this produces.
import { writeFile } from 'node:fs/promises';
import { renderTypes, typesFile } from './render-types.ts';

await writeFile(typesFile, await renderTypes());
console.log(`wrote ${typesFile}`);
