// Reads the PromQL back out of built dashboards, so tests can run exactly what the panels run: parsed by a
// real Prometheus offline, and evaluated against the live stack.
import type { Dashboard, Panel, RowPanel } from '@grafana/grafana-foundation-sdk/dashboard';

export interface PanelQuery {
  dashboard: string;
  panel: string;
  refId: string;
  /** The expression as Grafana would send it, with the variables below substituted. */
  expr: string;
  /** True for instant queries (a single evaluation), false for range queries. */
  instant: boolean;
}

/**
 * Concrete values for Grafana's built-in variables. One minute is at least four scrapes at the stack's
 * interval, which is what `$__rate_interval` guarantees, so rate() over it has samples to work with.
 */
export const QUERY_VARIABLES: Readonly<Record<string, string>> = {
  __rate_interval: '1m',
  __interval: '1m',
  __interval_ms: '60000',
  __range: '1m',
  __range_s: '60',
  __range_ms: '60000',
};

// Grafana's three variable syntaxes: ${name} or ${name:format}, $name and [[name]].
const VARIABLE = /\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)\]\]/g;

/**
 * Replaces the variables it knows and, like Grafana, leaves any other `$…` alone: a misspelt variable then
 * reaches Prometheus as a syntax error instead of being silently filled in.
 */
export function substituteVariables(expr: string, variables: Readonly<Record<string, string>>): string {
  return expr.replace(VARIABLE, (match, braced?: string, bare?: string, bracketed?: string) => {
    const name = braced ?? bare ?? bracketed ?? '';
    return Object.hasOwn(variables, name) ? (variables[name] as string) : match;
  });
}

/** Every panel that shows data, including those inside collapsed rows. */
export function dataPanels(dashboard: Dashboard): Panel[] {
  return (dashboard.panels ?? []).flatMap((panel: Panel | RowPanel) =>
    panel.type === 'row' ? (panel as RowPanel).panels : [panel as Panel],
  );
}

interface PromTarget {
  expr?: unknown;
  refId?: unknown;
  instant?: unknown;
  hide?: unknown;
}

/** Every visible PromQL target of the dashboards, in layout order, with Grafana's variables substituted. */
export function panelQueries(
  dashboards: readonly Dashboard[],
  variables: Readonly<Record<string, string>> = QUERY_VARIABLES,
): PanelQuery[] {
  return dashboards.flatMap((dashboard) =>
    dataPanels(dashboard).flatMap((panel) =>
      (panel.targets ?? [])
        .map((target) => target as PromTarget)
        .filter((target) => typeof target.expr === 'string' && target.hide !== true)
        .map((target) => ({
          dashboard: dashboard.uid ?? '',
          panel: panel.title ?? '',
          refId: typeof target.refId === 'string' ? target.refId : '',
          expr: substituteVariables(target.expr as string, variables),
          instant: target.instant === true,
        })),
    ),
  );
}
