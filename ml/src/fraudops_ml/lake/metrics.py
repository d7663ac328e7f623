"""The sink's Prometheus metrics (one registry per sink, so tests can make their own)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _metrics(registry: CollectorRegistry) -> dict[str, Counter | Gauge | Histogram]:
    table = ("table",)
    return {
        "rows": Counter(
            "fraudops_lake_rows_written", "Rows appended to a lake table.", table, registry=registry
        ),
        "duplicates": Counter(
            "fraudops_lake_duplicates_dropped",
            "Records not written: their transaction_id was already in the batch or the table.",
            table,
            registry=registry,
        ),
        "batches": Counter(
            "fraudops_lake_batches", "Batches committed (Iceberg, then Kafka).", registry=registry
        ),
        "commit": Histogram(
            "fraudops_lake_commit_seconds",
            "Iceberg append (data files and metadata commit) per table and batch.",
            table,
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ),
        "dedupe": Histogram(
            "fraudops_lake_dedupe_seconds",
            "Finding a batch's ids already in the table (scan of the batch's days).",
            table,
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ),
        "dead": Counter(
            "fraudops_lake_dead_letters",
            "Records sent to the dead-letter topic, by source topic and code.",
            ("topic", "code"),
            registry=registry,
        ),
        "pending": Gauge(
            "fraudops_lake_batch_records",
            "Records in the batch being filled (not yet in the tables, offsets not committed).",
            registry=registry,
        ),
        "newest_tx": Gauge(
            "fraudops_lake_newest_tx_datetime_seconds",
            "Newest tx_datetime landed (simulated time, Unix seconds).",
            table,
            registry=registry,
        ),
        "newest_known_at": Gauge(
            "fraudops_lake_newest_label_known_at_seconds",
            "Newest label known_at landed (simulated time, Unix seconds).",
            registry=registry,
        ),
        "watermark": Gauge(
            "fraudops_lake_labels_watermark_seconds",
            "Every label known before this simulated time has landed (Unix seconds).",
            registry=registry,
        ),
        "signals": Counter(
            "fraudops_lake_retraining_signals",
            "Closed simulated weeks signalled to Airflow, by outcome (sent, logged, failed).",
            ("outcome",),
            registry=registry,
        ),
    }


@dataclass
class SinkMetrics:
    """The sink's metrics.

    Attributes:
        registry: where they are registered.
        m: the metrics by short name.
    """

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    m: dict[str, Counter | Gauge | Histogram] = field(init=False)

    def __post_init__(self) -> None:
        self.m = _metrics(self.registry)

    def counter(self, name: str) -> Counter:
        """Args: name: short name. Returns: the counter."""
        metric = self.m[name]
        assert isinstance(metric, Counter)
        return metric

    def gauge(self, name: str) -> Gauge:
        """Args: name: short name. Returns: the gauge."""
        metric = self.m[name]
        assert isinstance(metric, Gauge)
        return metric

    def histogram(self, name: str) -> Histogram:
        """Args: name: short name. Returns: the histogram."""
        metric = self.m[name]
        assert isinstance(metric, Histogram)
        return metric
