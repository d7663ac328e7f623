// The model as its owner sees it in production: what scores it hands out, how much it flags, which version
// serves on which replica and whether every replica has a model at all. A shift in the score distribution or
// in the flagged share after a promotion is the first sign that a new champion behaves differently.
import {
  BarGaugeDisplayMode,
  HeatmapCellLayout,
  ReduceDataOptionsBuilder,
  VisibilityMode,
  VizOrientation,
} from '@grafana/grafana-foundation-sdk/common';
import {
  FieldColorBuilder,
  FieldColorModeId,
  MappingType,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarGauge } from '@grafana/grafana-foundation-sdk/bargauge';
import {
  CellValuesBuilder,
  HeatmapColorMode,
  HeatmapColorOptionsBuilder,
  HeatmapColorScale,
  PanelBuilder as Heatmap,
  RowsHeatmapOptionsBuilder,
  YAxisConfigBuilder,
} from '@grafana/grafana-foundation-sdk/heatmap';
import { PanelBuilder as StateTimeline } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { allSeriesTooltip, api, dashboard, finish, prom, promBuckets, tableLegend } from './shared.ts';

export const MODEL_QUALITY_UID = 'fraudops-model-quality';

const scores = `scoring_api_fraud_probability_bucket{${api}}`;
const predictions = `scoring_api_predictions_total{${api}}`;
const flagged = `scoring_api_predictions_total{${api}, decision="fraud"}`;

// Panels are made per build: a builder hands out its internal object, which the dashboard then positions.
const scoreHeatmap = (): Heatmap =>
  new Heatmap()
    .title('Score distribution over time')
    .description(
      'Fraud probabilities returned by all replicas, per histogram bucket (upper bound on the y axis), in scores per second. Most mass should sit near 0; a band moving up means the model, or the traffic, changed.',
    )
    // The buckets come from Prometheus already: draw them, do not re-bucket them.
    .calculate(false)
    .rowsFrame(new RowsHeatmapOptionsBuilder().layout(HeatmapCellLayout.Le))
    .yAxis(new YAxisConfigBuilder().axisLabel('fraud probability ≤').decimals(2))
    .cellValues(new CellValuesBuilder().unit('short'))
    .color(
      new HeatmapColorOptionsBuilder()
        .mode(HeatmapColorMode.Scheme)
        .scheme('Oranges')
        // Legit scores outnumber fraud ones by ~100:1; an exponential scale keeps the rare high scores visible.
        .scale(HeatmapColorScale.Exponential)
        .exponent(0.5)
        .steps(64),
    )
    .withTarget(promBuckets(`sum by (le) (rate(${scores}[$__rate_interval]))`));

const scoreBars = (): BarGauge =>
  new BarGauge()
    .title('Score distribution over the time range')
    .description(
      'How many scores fell in each fraud-probability bucket (labelled by its upper bound) over the whole selected time range.',
    )
    .unit('short')
    .min(0)
    .displayMode(BarGaugeDisplayMode.Gradient)
    .orientation(VizOrientation.Horizontal)
    .reduceOptions(new ReduceDataOptionsBuilder().values(false).calcs(['lastNotNull']))
    .withTarget(promBuckets(`sum by (le) (increase(${scores}[$__range]))`).instant());

const flaggedShare = (): TimeSeries =>
  new TimeSeries()
    .title('Flagged-fraud share by model version')
    .description(
      'Share of scored transactions the model flagged as fraud (probability at or above its threshold), per model version. 0 while a version flags nothing; no data while it scores nothing.',
    )
    .unit('percentunit')
    .min(0)
    .legend(tableLegend(['mean', 'max', 'lastNotNull']))
    .tooltip(allSeriesTooltip())
    .withTarget(
      prom(
        // A version that has flagged nothing yet has no fraud series; `or 0 * …` makes its share 0.
        `(
  sum by (model_version) (rate(${flagged}[$__rate_interval]))
  or 0 * sum by (model_version) (rate(${predictions}[$__rate_interval]))
)
/ (sum by (model_version) (rate(${predictions}[$__rate_interval])) > 0)`,
        '{{model_version}}',
      ),
    );

const decisions = (): TimeSeries =>
  new TimeSeries()
    .title('Scored transactions per second by decision')
    .description(
      'Transactions scored by all replicas, by decision and model version: the volume behind the share.',
    )
    .unit('short')
    .min(0)
    .legend(tableLegend())
    .tooltip(allSeriesTooltip())
    .withTarget(
      prom(
        `sum by (decision, model_version) (rate(${predictions}[$__rate_interval]))`,
        '{{decision}} {{model_version}}',
      ),
    );

const versions = (): StateTimeline =>
  new StateTimeline()
    .title('Model version over time')
    .description(
      'One row per model version (the MLflow registry version, then the model card version), present while at least one replica serves it; the value is the number of replicas serving it. When a new champion is promoted, every replica switches within the poll interval: the rows overlap for that long.',
    )
    .showValue(VisibilityMode.Always)
    .mergeValues(true)
    .decimals(0)
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Fixed).fixedColor('blue'))
    .withTarget(
      prom(
        `count by (registered_version, version) (scoring_api_model_info{${api}} == 1)`,
        'v{{registered_version}} {{version}}',
      ),
    );

const loads = (): TimeSeries =>
  new TimeSeries()
    .title('Model loads and refusals')
    .description(
      'New model versions each replica loaded, or refused (broken artifact: card, checksum, graph or smoke prediction), by reason; and checks of the registry that failed (the replica keeps serving its model meanwhile).',
    )
    .unit('short')
    .min(0)
    .legend(tableLegend(['sum']))
    .tooltip(allSeriesTooltip())
    .withTarget(
      prom(
        `sum by (result, reason) (increase(scoring_api_model_loads_total{${api}}[$__rate_interval]))`,
        '{{result}} {{reason}}',
      ),
    )
    .withTarget(
      prom(
        `sum(increase(scoring_api_model_source_failures_total{${api}}[$__rate_interval]))`,
        'registry unreachable',
      ),
    );

const ready = (): StateTimeline =>
  new StateTimeline()
    .title('Model ready per replica')
    .description(
      'Whether each replica has a validated, warmed model (ready) or answers /predict with 503 (not ready). A gap means the replica was not scraped.',
    )
    .showValue(VisibilityMode.Never)
    .mergeValues(true)
    .thresholds(
      new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
        { value: null, color: 'red' },
        { value: 1, color: 'green' },
      ]),
    )
    .mappings([
      {
        type: MappingType.ValueToText,
        options: {
          '0': { text: 'not ready', color: 'red', index: 0 },
          '1': { text: 'ready', color: 'green', index: 1 },
        },
      },
    ])
    .withTarget(prom(`max by (pod) (scoring_api_model_ready{${api}})`, '{{pod}}'));

export function modelQuality(): Dashboard {
  return finish(
    dashboard(
      MODEL_QUALITY_UID,
      'fraudops / Model quality',
      'The fraud model in production: score distribution, flagged-fraud share by model version, which version serves, and model readiness per replica.',
    )
      .withRow(new RowBuilder('Scores'))
      .withPanel(scoreHeatmap().span(16))
      .withPanel(scoreBars().span(8))
      .withPanel(flaggedShare())
      .withPanel(decisions())
      .withRow(new RowBuilder('Versions and readiness'))
      .withPanel(versions())
      .withPanel(ready())
      .withPanel(loads()),
  );
}
