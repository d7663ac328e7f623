// The fraudops dashboards and how they become files: one JSON per dashboard, named by its uid, formatted by
// the repository's Prettier settings so the committed files pass `prettier --check` unchanged. Indented
// before formatting, because Prettier keeps an object expanded when its source is: one key per line diffs well.
import { fileURLToPath } from 'node:url';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { format, resolveConfig } from 'prettier';
import { modelQuality } from './model-quality.ts';
import { serviceOverview } from './service-overview.ts';

export { MODEL_QUALITY_UID } from './model-quality.ts';
export { SERVICE_OVERVIEW_UID } from './service-overview.ts';
export { DATASOURCE_VARIABLE, quality as QUALITY_SERIES, TAG } from './shared.ts';
export * from './queries.ts';

export const generatedDir = fileURLToPath(new URL('../generated/', import.meta.url));

/** Every dashboard, freshly built. */
export function dashboards(): Dashboard[] {
  return [serviceOverview(), modelQuality()];
}

/** File name (`<uid>.json`) to file content, for every dashboard. */
export async function renderDashboards(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const dashboard of dashboards()) {
    if (dashboard.uid === undefined) throw new Error(`dashboard "${dashboard.title ?? ''}" has no uid`);
    const name = `${dashboard.uid}.json`;
    const options = await resolveConfig(`${generatedDir}${name}`);
    files.set(name, await format(JSON.stringify(dashboard, null, 2), { ...options, parser: 'json' }));
  }
  return files;
}
