"""The quality component's Prometheus metrics: a collector over the latest cycle's figures.

A collector, not gauges: each scrape shows exactly the last cycle's days and versions, so a day
that left the span or a version that stopped serving disappears instead of keeping a stale value.
Simulated days are a ``day`` label (``YYYY-MM-DD``); there are at most finalDays + delay + 1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from fraudops_ml.quality.compute import Card, Figures, is_number

KPI_HELP = {
    "card_precision_at_100": "Card Precision@100 of a final simulated day (handbook KPI).",
    "precision": "Frauds among transactions flagged at the serving threshold, per final day.",
    "recall": "Frauds flagged at the serving threshold among all frauds, per final day.",
    "auc_roc": "ROC AUC of the score on a final day (absent when the day has one class).",
    "fraud_amount_caught": "Amount of frauds flagged on a final day.",
    "fraud_amount_missed": "Amount of frauds not flagged on a final day.",
    "genuine_amount_flagged": "Amount of genuine transactions flagged on a final day.",
    "transactions": "Labelled transactions of a final day.",
    "frauds": "Frauds among them.",
}
KPI_NAME = {"transactions": "labelled_transactions"}
VERSION_DAY = ("model_version", "role", "day")
VERSION = ("model_version", "role")


def _seconds(when: dt.datetime) -> float:
    return when.replace(tzinfo=dt.UTC).timestamp()


class QualityCollector(Collector):
    """Yields the figures of ``source()`` at each scrape."""

    def __init__(
        self, source: Callable[[], tuple[Mapping[str, Figures], Mapping[str, Card]]]
    ) -> None:
        """Args: source: the latest figures by role (serving, shadow) and their versions' cards."""
        self.source = source

    def collect(self) -> Iterator[Metric]:
        """Returns: the metric families."""
        by_role, cards = self.source()
        yield from self._kpis(by_role)
        yield from self._coverage(by_role.get("serving", Figures()))
        yield from self._validated(cards)
        yield from self._drift(by_role)

    def _kpis(self, by_role: Mapping[str, Figures]) -> Iterator[Metric]:
        families = {
            k: GaugeMetricFamily(f"fraudops_quality_{KPI_NAME.get(k, k)}", h, labels=VERSION_DAY)
            for k, h in KPI_HELP.items()
        }
        ap = GaugeMetricFamily(
            "fraudops_quality_average_precision",
            "Average Precision over the final days kept (quality.finalDays), per version.",
            labels=VERSION,
        )
        for role, figures in sorted(by_role.items()):
            for (day, version), kpis in sorted(figures.days.items()):
                for name, value in kpis.as_dict().items():
                    if is_number(value):
                        families[name].add_metric([version, role, day.isoformat()], value)
            for version, value in sorted(figures.average_precision.items()):
                if is_number(value):
                    ap.add_metric([version, role], value)
        yield from families.values()
        yield ap

    def _coverage(self, figures: Figures) -> Iterator[Metric]:
        scored = GaugeMetricFamily(
            "fraudops_quality_scored_transactions", "Scored transactions of a day.", labels=["day"]
        )
        covered = GaugeMetricFamily(
            "fraudops_quality_label_coverage",
            "Share of a day's scored transactions whose label is known (1: the day is final).",
            labels=["day"],
        )
        for day, (count, labelled) in sorted(figures.coverage.items()):
            scored.add_metric([day.isoformat()], count)
            if count:
                covered.add_metric([day.isoformat()], labelled / count)
        yield scored
        yield covered
        if figures.watermark is not None:
            yield GaugeMetricFamily(
                "fraudops_quality_labels_watermark_seconds",
                "Every label known before this simulated time is counted (Unix seconds).",
                value=_seconds(figures.watermark),
            )

    def _validated(self, cards: Mapping[str, Card]) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "fraudops_quality_validated",
            "A model card's test-week metric: the level live quality is compared with.",
            labels=["model_version", "metric"],
        )
        for version, card in sorted(cards.items()):
            for metric, value in sorted(card.test_metrics.items()):
                family.add_metric([version, metric], value)
        yield family

    def _drift(self, by_role: Mapping[str, Figures]) -> Iterator[Metric]:
        labels = [*VERSION, "input"]
        psi = GaugeMetricFamily(
            "fraudops_drift_psi",
            "Population Stability Index of an input (or the score) against the card's reference.",
            labels=labels,
        )
        js = GaugeMetricFamily(
            "fraudops_drift_js_distance",
            "Jensen-Shannon distance (base 2) of an input (or the score) to the card's reference.",
            labels=labels,
        )
        for role, figures in sorted(by_role.items()):
            for (version, name), found in sorted(figures.drift.items()):
                psi.add_metric([version, role, name], found.psi)
                js.add_metric([version, role, name], found.js_distance)
        rows = GaugeMetricFamily(
            "fraudops_drift_window_transactions",
            "Transactions in a version's drift window (quality.driftWindowHours).",
            labels=VERSION,
        )
        for role, figures in sorted(by_role.items()):
            for version, count in sorted(figures.drift_rows.items()):
                rows.add_metric([version, role], count)
        yield from (psi, js, rows)


def cycle_metrics(registry: CollectorRegistry) -> tuple[Histogram, Counter]:
    """Args: registry: where to register. Returns: the cycle duration and the cycle counter."""
    duration = Histogram(
        "fraudops_quality_cycle_seconds",
        "One quality cycle: reading the lake and computing every figure.",
        buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
        registry=registry,
    )
    cycles = Counter(
        "fraudops_quality_cycles",
        "Quality cycles by outcome (ok, failed).",
        ["outcome"],
        registry=registry,
    )
    return duration, cycles


def samples(collector: Collector) -> list[dict[str, object]]:
    """Args: collector: a collector. Returns: its samples as ``{"name", "labels", "value"}``."""
    return [
        {"name": s.name, "labels": dict(s.labels), "value": s.value}
        for family in collector.collect()
        for s in family.samples
    ]
