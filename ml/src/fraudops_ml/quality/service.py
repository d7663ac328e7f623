"""The quality component: every interval, read the lake and recompute the live figures.

Why it reads the lake rather than the topics: the lake sink already lands ``scores`` and
``labels`` at least once, de-duplicated by transaction_id, and commits Kafka offsets only after
the data is durable. Joining the two tables therefore counts each transaction once, and a restart
rebuilds everything from the tables: the component keeps no state that the lake does not have
(its only memory, the newest label time per Kafka partition, is rebuilt by one scan). The price is
latency: a label counts once the sink's batch is committed (lake.sink.batchMaxSeconds) and the
next cycle ran (quality.intervalSeconds).
"""

from __future__ import annotations

import datetime as dt
import math
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping

import pandas as pd
from prometheus_client import CollectorRegistry, start_http_server
from pyiceberg.catalog import Catalog

from fraudops_ml import contracts
from fraudops_ml.lake import schema, tables, weeks
from fraudops_ml.quality import compute, reader, shadow, window
from fraudops_ml.quality.cards import Cards, mlflow_fetch
from fraudops_ml.quality.compute import Card, Figures
from fraudops_ml.quality.exporter import QualityCollector, cycle_metrics
from fraudops_ml.quality.settings import QualitySettings

Log = Callable[[str], None]
DAY = dt.timedelta(days=1)
# Whose scores each role's figures come from: the serving model's, the frozen baseline's in shadow.
ROLES = {"serving": schema.SCORED_TRANSACTIONS, "shadow": schema.SHADOW_SCORED_TRANSACTIONS}


def stderr_log(line: str) -> None:
    """Args: line: one log line, prefixed with the component's name."""
    print(f"[quality] {line}", file=sys.stderr, flush=True)


def registry_versions(scores: pd.DataFrame) -> dict[str, str | None]:
    """Args: scores: scored rows. Returns: each model version's registry number (None: a dir)."""
    found: dict[str, str | None] = {}
    for version, rows in scores.groupby("model_version"):
        numbers = rows["registry_version"].dropna()
        found[str(version)] = str(numbers.iloc[0]) if len(numbers) else None
    return found


class QualityCycle:
    """The state between cycles: labels' newest times per partition, the cards, the figures."""

    def __init__(self, settings: QualitySettings, catalog: Catalog, cards: Cards) -> None:
        """Args: settings: settings; catalog: the lake; cards: the card cache."""
        self.settings = settings
        self.catalog = catalog
        self.cards = cards
        self.newest: dict[int, dt.datetime] = {}
        self.figures: dict[str, Figures] = {}
        self.versions: dict[str, Card] = {}
        self.lock = threading.Lock()
        # The frozen baseline (None until the registry has one; looked for again every cycle).
        self.load_baseline: Callable[[], shadow.Baseline | None] = lambda: None
        self.baseline: shadow.Baseline | None = None

    def snapshot(self) -> tuple[Mapping[str, Figures], Mapping[str, Card]]:
        """Returns: the latest figures by role and their versions' cards (what a scrape shows)."""
        with self.lock:
            return dict(self.figures), dict(self.versions)

    def watermark(self) -> dt.datetime | None:
        """Advance the labels' newest times from the labels landed since. Returns: the watermark."""
        since = weeks.watermark(self.newest)
        found = reader.newest_known_at(self.catalog, self.settings.lake, since)
        self.newest = weeks.advance(self.newest, found)
        return weeks.watermark(self.newest)

    def run_once(self) -> Mapping[str, Figures]:
        """One cycle: shadow-score, read, join, compute, publish. Returns: figures by role."""
        mark = self.watermark()
        if mark is None:
            return self.figures
        s = self.settings
        span = window.span(mark, s.feedback_delay_days, s.final_days, None)
        # A kept day's known-compromised cards come from the feedback delay's days before it.
        lookback = math.ceil(s.feedback_delay_days)
        first = span.days[0] - lookback * DAY
        # The world's newest traffic runs ahead of its labels' watermark by a sink batch or so.
        last = mark.date() + DAY
        self.baseline = self.baseline or self.load_baseline()
        if self.baseline is not None:
            now = dt.datetime.now(dt.UTC)
            shadow.score_days(self.catalog, s.lake, self.baseline, first, last, now)
        labels = reader.read_labels(self.catalog, s.lake, first, mark.date())
        figures, cards = {}, {}
        for role, spec in ROLES.items():
            figures[role], found = self._role(spec, labels, mark, span, lookback)
            cards.update(found)
        with self.lock:
            self.figures, self.versions = figures, cards
        return figures

    def _role(
        self,
        spec: schema.TableSpec,
        labels: pd.DataFrame,
        mark: dt.datetime,
        span: window.Span,
        lookback: int,
    ) -> tuple[Figures, dict[str, Card]]:
        s, lake = self.settings, self.settings.lake
        first = span.days[0] - lookback * DAY
        scores = reader.read_scores(self.catalog, lake, first, mark.date(), False, spec)
        joined = compute.join(scores, labels, mark)
        drift_first = mark.date() - math.ceil(s.drift_window_hours / 24) * DAY
        recent = reader.read_scores(self.catalog, lake, drift_first, mark.date() + DAY, True, spec)
        windows = compute.drift_window(recent, s.drift_window_hours, contracts.model_features())
        numbers = registry_versions(pd.concat([scores, recent], ignore_index=True))
        cards = {v: c for v, n in numbers.items() if (c := self.cards.card(v, n)) is not None}
        figures = Figures(
            days=compute.final_day_figures(joined, span, lookback),
            average_precision=compute.average_precision(joined, span),
            coverage=compute.coverage(joined, span),
            drift=compute.drift_figures(windows, cards, s.drift_min_transactions),
            drift_rows={v: len(rows) for v, rows in windows.items()},
            watermark=mark,
        )
        return figures, cards


def build_cycle(settings: QualitySettings, log: Log) -> QualityCycle:
    """Args: settings: settings; log: logger. Returns: a cycle over the configured lake."""
    catalog = tables.open_catalog(settings.lake)
    for spec in (*schema.TABLES, schema.SHADOW_SCORED_TRANSACTIONS):
        tables.ensure_table(catalog, settings.lake, spec)
    cards = Cards(
        settings.model_name, settings.models_dir, mlflow_fetch(settings.tracking_uri), log
    )
    cycle = QualityCycle(settings, catalog, cards)
    cycle.load_baseline = lambda: _baseline(settings, log)
    return cycle


def _baseline(settings: QualitySettings, log: Log) -> shadow.Baseline | None:
    try:
        found = shadow.load_baseline(
            settings.tracking_uri, settings.model_name, settings.baseline_alias
        )
    except Exception as exc:  # the registry may be down: no shadow scoring this cycle
        log(f"no baseline yet ({type(exc).__name__}: {exc})")
        return None
    if found is not None:
        log(f"shadow baseline: {settings.model_name}@{settings.baseline_alias} = {found.version}")
    return found


def run(
    settings: QualitySettings, log: Log = stderr_log, stop: threading.Event | None = None
) -> int:
    """Recompute every interval until SIGTERM/SIGINT (or ``stop``); a failed cycle is logged.

    Args:
        settings: settings.
        log: logger.
        stop: an event to stop on (tests); signals set it too when run in the main thread.

    Returns:
        The exit code.
    """
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda *_: stop.set())
    cycle = build_cycle(settings, log)
    registry = CollectorRegistry()
    registry.register(QualityCollector(cycle.snapshot))
    duration, cycles = cycle_metrics(registry)
    if settings.metrics_port:
        start_http_server(settings.metrics_port, settings.metrics_host, registry=registry)
    log(f"reading {settings.lake.catalog_uri} every {settings.interval_seconds:g} s")
    last_final: dt.date | None = None
    while not stop.is_set():
        started = time.monotonic()
        try:
            figures = cycle.run_once()
        except Exception as exc:  # a failed read (a commit in flight, a lock) is retried next time
            cycles.labels("failed").inc()
            log(f"cycle failed: {type(exc).__name__}: {exc}")
        else:
            cycles.labels("ok").inc()
            last_final = _log_new_final_day(figures, last_final, log)
        duration.observe(time.monotonic() - started)
        stop.wait(max(0.0, settings.interval_seconds - (time.monotonic() - started)))
    log("stopped")
    return 0


def _log_new_final_day(
    by_role: Mapping[str, Figures], last: dt.date | None, log: Log
) -> dt.date | None:
    figures = by_role.get("serving", Figures())
    days = sorted({day for day, _ in figures.days})
    if not days or days[-1] == last:
        return last
    for (day, version), kpis in sorted(figures.days.items()):
        if day == days[-1]:
            log(
                f"day {day} final: {version} CP@100 {kpis.card_precision_at_100:.2f}, fraud "
                f"caught {kpis.fraud_amount_caught:,.0f} missed {kpis.fraud_amount_missed:,.0f}"
            )
    return days[-1]
