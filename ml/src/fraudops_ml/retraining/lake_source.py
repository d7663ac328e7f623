"""The one place the retraining touches the lake: open it from the config, read it as of a date.

Kept thin so that ``extract`` stays pure (it takes any ``extract.Lake``; tests pass fakes). A
lake whose tables do not exist yet (the sink has landed nothing) reads as empty: the run then
trains on the historic dataset, as the first champion did.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow.compute as pc
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import NoSuchTableError

from fraudops_ml.lake import read, schema, tables
from fraudops_ml.lake.settings import LakeSettings, load_lake_settings
from fraudops_ml.retraining.settings import Settings
from fraudops_ml.simulate import TRANSACTION_COLUMNS

KNOWN_AT = "known_at"


class IcebergLake:
    """``extract.Lake`` over the lake's Iceberg tables.

    Args:
        catalog: the lake's catalog.
        settings: the lake's settings (namespace, table names).
    """

    def __init__(self, catalog: Catalog, settings: LakeSettings) -> None:
        self.catalog = catalog
        self.settings = settings

    def newest_known_at(self) -> dt.datetime | None:
        """Returns: the newest label's known_at (one column of the labels table), or None."""
        try:
            labels = self.catalog.load_table(tables.identifier(self.settings, schema.LABELS))
        except NoSuchTableError:
            return None
        column = labels.scan(selected_fields=(KNOWN_AT,)).to_arrow().column(KNOWN_AT)
        newest = pc.max(column).as_py() if len(column) else None
        return newest if isinstance(newest, dt.datetime) else None

    def read_labelled(
        self, start_day: dt.date, end_day: dt.date, as_of: dt.datetime
    ) -> pd.DataFrame:
        """``lake.read.read_labelled`` on this lake (empty before the sink created the tables)."""
        try:
            return read.read_labelled(self.catalog, self.settings, start_day, end_day, as_of)
        except NoSuchTableError:
            return pd.DataFrame(columns=list(TRANSACTION_COLUMNS))


def open_lake(settings: Settings) -> IcebergLake | None:
    """The lake the config names, or None without a ``lake`` section.

    Args:
        settings: retraining settings (their config file has the lake's section).

    Returns:
        The lake.
    """
    if not settings.lake:
        return None
    lake = load_lake_settings(settings.config_file)
    return IcebergLake(tables.open_catalog(lake), lake)
