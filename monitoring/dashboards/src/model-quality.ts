// The model as its owner sees it in production: what scores it hands out, how much it flags, which version
// serves on which replica and whether every replica has a model at all. A shift in the score distribution or
// in the flagged share after a promotion is the first sign that a new champion behaves differently. Below,
// what only labels can tell (ml/src/fraudops_ml/quality): per final simulated day and model version, the
// handbook's KPI and the fraud money caught and missed, for the serving model and for the frozen baseline in
// shadow on the same transactions; how much of each day is labelled yet; drift of every input before labels.
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
import { PanelBuilder as Stat } from '@grafana/grafana-foundation-sdk/stat';
import { AnnotationQueryBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  allSeriesTooltip,
  api,
  dashboard,
  datasource,
  finish,
  prom,
  promBuckets,
  quality,
  tableLegend,
} from './shared.ts';

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

// --- What labels tell: final simulated days (every label known), per model version and role ---------------

/** One bar per series of an instant query, labelled by `legend`: a figure per simulated day reads as a list. */
const perDayBars = (
  title: string,
  description: string,
  expr: string,
  legend: string,
  unit: string,
): BarGauge =>
  new BarGauge()
    .title(title)
    .description(description)
    .unit(unit)
    .min(0)
    .displayMode(BarGaugeDisplayMode.Basic)
    .orientation(VizOrientation.Horizontal)
    .reduceOptions(new ReduceDataOptionsBuilder().values(false).calcs(['lastNotNull']))
    .withTarget(prom(expr, legend).instant());

const cardPrecision = (): BarGauge =>
  perDayBars(
    'Card Precision@100 per final day',
    'Compromised cards among the 100 cards with the highest score of a simulated day, known-compromised cards left out (the handbook KPI), per final day (every label known), model version and role: serving, or the frozen baseline in shadow on the same transactions. FraudModelQualityDegraded fires when 3 of these 7 days of a version are more than 0.1 below its card level (fraudops_quality_validated).',
    `fraudops_quality_card_precision_at_100{${quality}}`,
    '{{day}} {{role}} {{model_version}}',
    'percentunit',
  ).max(1);

const moneyMissed = (): BarGauge =>
  perDayBars(
    'Fraud money missed per final day',
    'Amount of frauds not flagged at the serving threshold, per final simulated day and role (serving model, frozen baseline in shadow): what the loop is for.',
    `sum by (day, role) (fraudops_quality_fraud_amount_missed{${quality}})`,
    '{{day}} {{role}}',
    'currencyUSD',
  );

const moneyCaught = (): BarGauge =>
  perDayBars(
    'Fraud money caught per final day',
    'Amount of frauds flagged, per final simulated day and role; and genuine money flagged (customer friction).',
    `sum by (day, role) (fraudops_quality_fraud_amount_caught{${quality}})`,
    '{{day}} {{role}}',
    'currencyUSD',
  ).withTarget(
    prom(
      `sum by (day, role) (fraudops_quality_genuine_amount_flagged{${quality}})`,
      '{{day}} {{role}} genuine',
    ).instant(),
  );

const loopVersusBaseline = (): Stat =>
  new Stat()
    .title('Fraud money missed over the final days: loop vs baseline')
    .description(
      'The fraud amount missed over the kept final days (7), by the serving models (the loop: champions as retraining promotes them) and by the first champion, frozen, scoring the same transactions in shadow. The difference is what retraining bought.',
    )
    .unit('currencyUSD')
    .reduceOptions(new ReduceDataOptionsBuilder().values(false).calcs(['lastNotNull']))
    .withTarget(
      prom(`sum by (role) (fraudops_quality_fraud_amount_missed{${quality}})`, '{{role}}').instant(),
    );

const coverage = (): BarGauge =>
  perDayBars(
    'Label coverage per simulated day',
    "Share of a day's scored transactions whose label is known. Labels arrive 7 simulated days after the transaction (card frauds earlier, when the card holder reports them): a day below 100% is unfinished, not bad, and its KPIs are not shown above yet.",
    `fraudops_quality_label_coverage{${quality}}`,
    '{{day}}',
    'percentunit',
  ).max(1);

const driftHeatmap = (): StateTimeline =>
  new StateTimeline()
    .title('Input drift (PSI) per input, serving model')
    .description(
      'Population Stability Index of each model input and of the score (input "score") over the newest simulated day of traffic, against the model card\'s reference (its test week, binned at deciles): green below 0.1 (no shift), yellow to 0.25 (moderate), red above (significant; FraudModelInputDrift / FraudModelScoreDrift after 10 minutes). Seen before any label.',
    )
    .showValue(VisibilityMode.Never)
    .mergeValues(false)
    .thresholds(
      new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
        { value: null, color: 'green' },
        { value: 0.1, color: 'yellow' },
        { value: 0.25, color: 'red' },
      ]),
    )
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.Thresholds))
    .withTarget(prom(`max by (input) (fraudops_drift_psi{${quality}, role="serving"})`, '{{input}}'));

const driftDistance = (): TimeSeries =>
  new TimeSeries()
    .title('Largest drift per model version (Jensen-Shannon distance)')
    .description(
      "The largest Jensen-Shannon distance (base 2, 0 to 1) of any input to the card's reference, per version and role: the bounded second opinion where PSI is noisy.",
    )
    .unit('short')
    .min(0)
    .legend(tableLegend())
    .tooltip(allSeriesTooltip())
    .withTarget(
      prom(
        `max by (model_version, role) (fraudops_drift_js_distance{${quality}})`,
        '{{role}} {{model_version}}',
      ),
    );

// Alerts on the model and promotions, marked on every time panel.
const modelAlerts = (): AnnotationQueryBuilder =>
  new AnnotationQueryBuilder()
    .name('Model alerts')
    .datasource({ ...datasource })
    .enable(true)
    .iconColor('red')
    .expr('ALERTS{alertname=~"FraudModel.+", alertstate="firing"}');

const promotions = (): AnnotationQueryBuilder =>
  new AnnotationQueryBuilder()
    .name('Promotions')
    .datasource({ ...datasource })
    .enable(true)
    .iconColor('green')
    // A version served now that no replica served a minute ago: a new champion arriving.
    .expr(
      `count by (version) (scoring_api_model_info{${api}} == 1) unless count by (version) (scoring_api_model_info{${api}} offset 1m == 1)`,
    );

export function modelQuality(): Dashboard {
  return finish(
    dashboard(
      MODEL_QUALITY_UID,
      'fraudops / Model quality',
      'The fraud model in production: score distribution, flagged-fraud share by model version, which version serves, model readiness per replica; quality against the labels per simulated day and version (with the frozen baseline in shadow), label coverage, and drift per input.',
    )
      .annotation(modelAlerts())
      .annotation(promotions())
      .withRow(new RowBuilder('Scores'))
      .withPanel(scoreHeatmap().span(16))
      .withPanel(scoreBars().span(8))
      .withPanel(flaggedShare())
      .withPanel(decisions())
      .withRow(new RowBuilder('Versions and readiness'))
      .withPanel(versions())
      .withPanel(ready())
      .withPanel(loads())
      .withRow(new RowBuilder('Quality against labels (final simulated days)'))
      .withPanel(cardPrecision())
      .withPanel(loopVersusBaseline())
      .withPanel(moneyMissed())
      .withPanel(moneyCaught())
      .withPanel(coverage())
      .withRow(new RowBuilder('Drift before labels'))
      .withPanel(driftHeatmap().span(16))
      .withPanel(driftDistance().span(8)),
  );
}
