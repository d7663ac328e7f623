// The app of apps as Argo CD sees it: deploy/gitops/apps is a Helm chart whose templates are the child
// Applications, rendered with the repository and revision the root Application passes (Terraform's
// gitops_repo_url and gitops_revision). Offline, the chart's ci/test-values.yaml stands in for them.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repositoryRoot } from '@fraudops/config';
import { chartTestValues, renderChart } from '@fraudops/manifest-schemas';
import { parse } from 'yaml';
import type { GitopsObject } from './applications.ts';
import { gitopsDir } from './generated-manifests.ts';

export const appsChartDir = join(gitopsDir, 'apps');

/** The values the root Application passes: what the chart's offline test values say. */
export function appsChartTestValues(chartDir = appsChartDir): { repoURL: string; targetRevision: string } {
  return parse(readFileSync(chartTestValues(chartDir), 'utf8')) as {
    repoURL: string;
    targetRevision: string;
  };
}

/**
 * The child Applications, each with the template file it comes from (helm's `# Source:` line, mapped back to
 * the repository), rendered with the test values and `set` on top.
 */
export function renderApplications(
  set: Record<string, string> = {},
  chartDir = appsChartDir,
): GitopsObject[] {
  const chartName = (parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { name: string }).name;
  // helm writes each template's objects after a `---` and a `# Source: <chart>/templates/<file>` line.
  return renderChart(chartDir, set)
    .split(/^---$/m)
    .flatMap((chunk) => {
      const object = parse(chunk) as Record<string, unknown> | null;
      if (object === null) return [];
      const source = /^# Source: (\S+)$/m.exec(chunk)?.[1];
      if (source === undefined)
        throw new Error(`helm template ${chartDir}: an object without its # Source line`);
      return [
        { file: relative(repositoryRoot, join(chartDir, source.replace(`${chartName}/`, ''))), object },
      ];
    });
}
