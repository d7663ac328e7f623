// The dashboards as data: the committed JSON is what the sources generate, and every panel is wired to the
// data source variable with real queries. The queries themselves are parsed by Prometheus in
// dashboards-promql.test.ts.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { describe, expect, it } from 'vitest';
import {
  DATASOURCE_VARIABLE,
  MODEL_QUALITY_UID,
  SERVICE_OVERVIEW_UID,
  TAG,
  dashboards,
  dataPanels,
  generatedDir,
  panelQueries,
  renderDashboards,
  substituteVariables,
} from '../dashboards/src/index.ts';

const built = dashboards();
const byUid = (uid: string): Dashboard => {
  const found = built.find((dashboard) => dashboard.uid === uid);
  if (found === undefined) throw new Error(`no dashboard ${uid}`);
  return found;
};
const variableRef = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` };

interface Target {
  expr?: unknown;
  datasource?: unknown;
  refId?: unknown;
}

describe('generated dashboard JSON', () => {
  it('is what the sources generate (run `node monitoring/dashboards/generate.ts` after editing a dashboard)', async () => {
    const expected = await renderDashboards();
    const committed = (await readdir(generatedDir)).filter((name) => name.endsWith('.json')).sort();
    expect(committed).toEqual([...expected.keys()].sort());
    for (const [name, content] of expected) {
      expect(await readFile(join(generatedDir, name), 'utf8'), name).toBe(content);
    }
  });
});

describe('dashboards', () => {
  it('are the service overview and model quality, with unique uids', () => {
    const uids = built.map((dashboard) => dashboard.uid);
    expect(uids).toEqual([SERVICE_OVERVIEW_UID, MODEL_QUALITY_UID]);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it.each(built.map((dashboard) => [dashboard.uid, dashboard] as const))(
    '%s has the fraudops tag and a Prometheus data source variable',
    (_uid, dashboard) => {
      expect(dashboard.tags).toContain(TAG);
      expect(dashboard.templating.list).toContainEqual(
        expect.objectContaining({ type: 'datasource', name: DATASOURCE_VARIABLE, query: 'prometheus' }),
      );
    },
  );

  it.each(built.map((dashboard) => [dashboard.uid, dashboard] as const))(
    '%s: every panel has a title, a description, the data source variable and a PromQL target',
    (_uid, dashboard) => {
      const panels = dataPanels(dashboard);
      expect(panels.length).toBeGreaterThan(0);
      for (const panel of panels) {
        const where = `panel ${panel.id ?? '?'} "${panel.title ?? ''}"`;
        expect(panel.title?.trim(), where).toBeTruthy();
        expect(panel.description?.trim(), where).toBeTruthy();
        expect(panel.datasource, where).toEqual(variableRef);
        const targets = (panel.targets ?? []) as Target[];
        expect(targets.length, where).toBeGreaterThan(0);
        for (const target of targets) {
          expect(typeof target.expr === 'string' && target.expr.trim() !== '', where).toBe(true);
          expect(target.datasource, where).toEqual(variableRef);
        }
        expect(new Set(targets.map((target) => target.refId)).size, `${where}: refIds`).toBe(targets.length);
      }
    },
  );

  it.each(built.map((dashboard) => [dashboard.uid, dashboard] as const))(
    '%s numbers its panels uniquely',
    (_uid, dashboard) => {
      const ids = (dashboard.panels ?? []).map((panel) => panel.id);
      expect(ids.every((id) => typeof id === 'number')).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
    },
  );

  it('draw the 80% line on the per-replica CPU panel', () => {
    const cpu = dataPanels(byUid(SERVICE_OVERVIEW_UID)).find((panel) =>
      panel.title?.startsWith('CPU use over request'),
    );
    expect(cpu?.fieldConfig?.defaults.unit).toBe('percentunit');
    expect(cpu?.fieldConfig?.defaults.thresholds?.steps).toContainEqual({ value: 0.8, color: 'red' });
    expect(cpu?.fieldConfig?.defaults.custom).toMatchObject({ thresholdsStyle: { mode: 'dashed' } });
  });
});

describe('panelQueries', () => {
  const queries = panelQueries(built);

  it('lists every target of every panel, with Grafana variables substituted', () => {
    const targets = built.flatMap((dashboard) =>
      dataPanels(dashboard).flatMap((panel) => panel.targets ?? []),
    );
    expect(queries).toHaveLength(targets.length);
    for (const query of queries) expect(query.expr, `${query.panel} ${query.refId}`).not.toMatch(/\$|\[\[/);
    expect(queries).toContainEqual(
      expect.objectContaining({
        dashboard: MODEL_QUALITY_UID,
        panel: 'Score distribution over the time range',
        instant: true,
        expr: expect.stringContaining('[1m]') as unknown,
      }),
    );
  });

  it('substitutes every Grafana variable syntax and leaves unknown ones alone', () => {
    const variables = { __rate_interval: '1m', __range: '5m' };
    expect(substituteVariables('rate(x[$__rate_interval])', variables)).toBe('rate(x[1m])');
    expect(substituteVariables('increase(x[${__range}])', variables)).toBe('increase(x[5m])');
    expect(substituteVariables('increase(x[[[__range]]])', variables)).toBe('increase(x[5m])');
    expect(substituteVariables('label_replace(x, "a", "$1", "b", "(.*)")', variables)).toBe(
      'label_replace(x, "a", "$1", "b", "(.*)")',
    );
  });
});
