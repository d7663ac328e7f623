// Writes monitoring/dashboards/generated/<uid>.json from the sources and removes files of dashboards that no
// longer exist. Run after editing a dashboard; test/dashboards.test.ts fails while the committed files differ.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generatedDir, renderDashboards } from './src/index.ts';

const files = await renderDashboards();
await mkdir(generatedDir, { recursive: true });
for (const name of await readdir(generatedDir)) {
  if (name.endsWith('.json') && !files.has(name)) {
    await rm(join(generatedDir, name));
    console.log(`removed ${join(generatedDir, name)}`);
  }
}
for (const [name, content] of files) {
  await writeFile(join(generatedDir, name), content);
  console.log(`wrote ${join(generatedDir, name)}`);
}
