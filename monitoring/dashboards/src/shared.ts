// What every fraudops dashboard has in common: the Prometheus data source chosen through a variable, the
// label selectors of the metric contract, and the finishing pass that makes the generated JSON stable.
import {
  AnnotationQueryBuilder,
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  type Dashboard,
  type DataSourceRef,
  type Panel,
  type RowPanel,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  LegendDisplayMode,
  LegendPlacement,
  SortOrder,
  TooltipDisplayMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';

export const TAG = 'fraudops';

/**
 * Panels and targets point at `${datasource}` rather than at a fixed uid, so the same JSON works in
 * kube-prometheus-stack's Grafana (sidecar-loaded, whatever uid its Prometheus got) and in any other Grafana.
 */
export const DATASOURCE_VARIABLE = 'datasource';
export const datasource: DataSourceRef = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` };

// The metric contract: the same series and labels in the embedded stack and in Kubernetes.
const NAMESPACE = 'fraudops';
const WORKLOAD = 'scoring-api';
/** Series scraped from the scoring-api replicas themselves. */
export const api = `namespace="${NAMESPACE}", job="${WORKLOAD}"`;
/**
 * The routes clients call. Latency and errors are about these only: probes and scrapes are cheap, would drag
 * the quantiles down, and `/ready` answers 503 by design while a replica has no model.
 */
export const scoringRoutes = 'route=~"/predict|/predict/batch"';
/** The app container of each replica; `image!=""` drops the pod-level cgroup series that cAdvisor adds. */
export const appContainer = `namespace="${NAMESPACE}", pod=~"${WORKLOAD}-.+", container="${WORKLOAD}"`;
export const hpa = `namespace="${NAMESPACE}", horizontalpodautoscaler="${WORKLOAD}"`;
export const deployment = `namespace="${NAMESPACE}", deployment="${WORKLOAD}"`;
export const gateway = `namespace="${NAMESPACE}", gateway="${WORKLOAD}"`;
/**
 * Series scraped from the stream scorer: the job is its Service's name in Kubernetes (ServiceMonitor) and its
 * scrape job in the embedded stack, which gives it no namespace label.
 */
export const streamScorer = 'job="stream-scorer"';
/** Series of the quality component (ml/src/fraudops_ml/quality): its scrape job, like the stream scorer's. */
export const quality = 'job="quality"';

/** A PromQL target on the dashboard's data source. refIds are filled in by {@link finish}. */
export function prom(expr: string, legendFormat: string): DataqueryBuilder {
  return new DataqueryBuilder()
    .datasource({ ...datasource })
    .expr(expr)
    .legendFormat(legendFormat);
}

/** A target for a histogram's buckets, which Grafana turns from cumulative into per-bucket counts. */
export function promBuckets(expr: string): DataqueryBuilder {
  return prom(expr, '{{le}}').format(PromQueryFormat.Heatmap);
}

/** A legend as a table under the graph, with the statistics that answer "how bad, and is it still?". */
export function tableLegend(
  calcs: readonly string[] = ['mean', 'max', 'lastNotNull'],
): VizLegendOptionsBuilder {
  return new VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(LegendDisplayMode.Table)
    .placement(LegendPlacement.Bottom)
    .calcs([...calcs]);
}

/** A tooltip listing every series at the hovered time, largest first, to compare replicas or routes. */
export function allSeriesTooltip(): VizTooltipOptionsBuilder {
  return new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending);
}

/** The dashboard's skeleton: tags, time, the data source variable and a link to its sibling dashboards. */
export function dashboard(uid: string, title: string, description: string): DashboardBuilder {
  return (
    new DashboardBuilder(title)
      .uid(uid)
      .description(description)
      .tags([TAG])
      .time({ from: 'now-1h', to: 'now' })
      .refresh('30s')
      .timezone('browser')
      .tooltip(DashboardCursorSync.Crosshair)
      // Grafana's own annotations (and alert annotations) as every exported dashboard has them; without a list,
      // the annotations menu of a provisioned dashboard is empty.
      .annotation(
        new AnnotationQueryBuilder()
          .name('Annotations & Alerts')
          .datasource({ type: 'grafana', uid: '-- Grafana --' })
          .builtIn(1)
          .enable(true)
          .hide(true)
          .iconColor('rgba(0, 211, 255, 1)')
          .type('dashboard'),
      )
      .withVariable(
        new DatasourceVariableBuilder(DATASOURCE_VARIABLE)
          .label('Data source')
          .type('prometheus')
          .description('The Prometheus that scrapes the fraudops namespace.'),
      )
      .link(
        new DashboardLinkBuilder('fraudops')
          .type(DashboardLinkType.Dashboards)
          .tags([TAG])
          .asDropdown(true)
          .includeVars(true)
          .keepTime(true),
      )
  );
}

const isRow = (panel: Panel | RowPanel): panel is RowPanel => panel.type === 'row';

/**
 * Builds the dashboard and numbers panels and targets in layout order. The builders leave ids and refIds
 * unset; Grafana would invent them on load, which would make panel links and the generated JSON unstable.
 * Panels without a data source of their own get the dashboard's variable, as their targets already have.
 */
export function finish(builder: DashboardBuilder): Dashboard {
  const built = builder.build();
  let id = 0;
  const number = (panel: Panel | RowPanel): void => {
    panel.id = ++id;
    if (isRow(panel)) {
      panel.panels.forEach(number);
      return;
    }
    panel.datasource ??= { ...datasource };
    (panel.targets ?? []).forEach((target, index) => {
      (target as { refId?: string }).refId = String.fromCharCode(65 + index);
    });
  };
  (built.panels ?? []).forEach(number);
  return built;
}
