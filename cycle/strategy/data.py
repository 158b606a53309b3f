"""What the warning rules read, for one month M and some customer managers: each set with one
query through the selectors of markets and reports, on first use, and only when an active
rule needs it.

- the stored ``CustomerIndicator`` rows of M (``reports``), company-wide when a kind reads
  every class member (``company_wide``), else only the managers' customers. vol(M−1) is
  recovered from the same row: 0 when the stored month-on-month change is empty (the job
  leaves it empty exactly when vol(M−1) = 0), else vol(M) ÷ (1 + change), rounded to whole
  cartons. That fails only when vol(M) = 0 (change −100 %), and for those customers vol(M−1)
  is read with one SQL aggregation of their M−1 order lines. So the stored M−1 rows are never
  needed and M−1 need not have been computed.
- the last satisfaction answer of each customer in the 12 months up to the end of M, with
  its scores at or below the threshold (``surveys``).
- the latest shelf check per customer × key SKU up to the end of M (local time), the latest
  inventory and price checks per customer × SKU in M (Asia/Shanghai month), the month's
  order volume per customer × SKU for the inventory ratio (one SQL aggregation), the SKUs.

Only the managers' **active** customers (current owner, current status) are tested."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

import numpy as np
import pandas as pd
from django.conf import settings

from brands.models import SkuStatus
from brands.selectors import sku_rule_rows
from core.months import add_months, month_bounds, month_end
from customers.models import TIER_BANDS
from customers.selectors import active_customers
from markets.selectors import (
    customer_month_volumes,
    customer_sku_month_volumes,
    latest_checks,
)
from reports.rates import ratio
from reports.selectors import customer_indicator_rows
from surveys.selectors import low_scores

_BAND_OF_TIER = {
    tier: code for code, low, high, _label in TIER_BANDS for tier in range(low, high + 1)
}


def frame_of(rows, dtypes: dict) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(list(rows), columns=list(dtypes))
    return frame.astype(dtypes)


class RuleData:
    def __init__(self, month: dt.date, manager_ids: list[int], *, company_wide: bool):
        self.month = month
        self.previous = add_months(month, -1)
        self.start, self.end = month_bounds(month)
        self.manager_ids = manager_ids
        self.company_wide = company_wide
        self.active = active_customers()
        self.mine = self.active.filter(manager_id__in=manager_ids)

    @cached_property
    def customers(self) -> pd.DataFrame:
        """The managers' active customers: customer_id, manager_id, code, name."""
        rows = self.mine.order_by("id").values_list("id", "manager_id", "code", "name")
        return frame_of(
            rows, {"customer_id": "int64", "manager_id": "int64", "code": object, "name": object}
        )

    @cached_property
    def ids(self) -> pd.Index:
        return pd.Index(self.customers["customer_id"])

    @cached_property
    def company(self) -> pd.DataFrame:
        """Stored rows of M of every active customer (see _indicator_rows)."""
        return self._indicator_rows(self.active)

    @cached_property
    def indicators(self) -> pd.DataFrame:
        """Stored rows of M of the managers' active customers."""
        if self.company_wide:
            rows = self.company
            return rows[rows["customer_id"].isin(self.ids)].reset_index(drop=True)
        return self._indicator_rows(self.mine)

    def _indicator_rows(self, customers) -> pd.DataFrame:
        """customer_id, band, business_format, volume, volume_before, forecast (Int64, NA
        without one), requested."""
        frame = frame_of(
            customer_indicator_rows(customers=customers, month=self.month),
            {
                "customer_id": "int64",
                "tier": "Int64",
                "business_format": object,
                "volume": "int64",
                "change": "float64",
                "forecast": "Int64",
                "requested": "int64",
            },
        )
        frame["band"] = frame["tier"].map(_BAND_OF_TIER).fillna("").astype(object)
        volume = frame["volume"].to_numpy(dtype="float64")
        change = frame["change"].to_numpy()
        before = np.where(np.isnan(change), 0.0, np.rint(ratio(volume, 1 + change)))
        unknown = ~np.isnan(change) & (volume == 0)  # change −100 %: vol(M−1) lost
        if unknown.any():
            lost = frame.loc[unknown, "customer_id"]
            sums = customer_month_volumes(customer_ids=lost.tolist(), months=[self.previous])
            before[unknown] = lost.map(lambda c: sums.get((c, self.previous), 0)).to_numpy()
        frame["volume_before"] = before.astype("int64")
        frame["business_format"] = frame["business_format"].fillna("")
        return frame.drop(columns=["tier", "change"])

    @cached_property
    def skus(self) -> pd.DataFrame:
        """sku_id, sku_code, sku_name, retail_price (NaN if none), key_on_sale."""
        last_day = month_end(self.month)
        frame = pd.DataFrame.from_records(
            sku_rule_rows(),
            columns=["sku_id", "sku_code", "sku_name", "retail", "key", "status", "launch"],
        )
        launched = frame["launch"].map(lambda d: pd.isna(d) or d <= last_day).astype(bool)
        return pd.DataFrame(
            {
                "sku_id": frame["sku_id"].astype("int64"),
                "sku_code": frame["sku_code"].astype(object),
                "sku_name": frame["sku_name"].astype(object),
                "retail_price": pd.to_numeric(frame["retail"], errors="coerce").astype("float64"),
                "key_on_sale": frame["key"].astype(bool)
                & (frame["status"] == SkuStatus.ACTIVE)
                & launched,
            }
        )

    def _latest(self, kind: str, name: str, dtype, **bounds) -> pd.DataFrame:
        """customer_id, sku_id, ``name``, observed_at (see markets.selectors.latest_checks)."""
        rows = latest_checks(kind=kind, customers=self.mine, before=self.end, **bounds)
        return frame_of(
            rows, {"customer_id": "int64", "sku_id": "int64", name: dtype, "observed_at": object}
        )

    @cached_property
    def shelf(self) -> pd.DataFrame:
        """Latest shelf check of each key SKU on sale, up to the end of M."""
        key_ids = self.skus.loc[self.skus["key_on_sale"], "sku_id"].tolist()
        return self._latest("shelf", "on_shelf", bool, sku_ids=key_ids)

    @cached_property
    def inventory(self) -> pd.DataFrame:
        """Latest inventory check of each SKU in M."""
        return self._latest("inventory", "stock", "int64", since=self.start)

    @cached_property
    def prices(self) -> pd.DataFrame:
        """Latest price check of each SKU in M."""
        return self._latest("price", "price", "float64", since=self.start)

    def sku_volumes(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """Volume of M of each (customer_id, sku_id) of ``pairs`` that has order lines."""
        keys = list(zip(pairs["customer_id"].tolist(), pairs["sku_id"].tolist(), strict=True))
        rows = customer_sku_month_volumes(pairs=keys, month=self.month)
        return frame_of(rows, {"customer_id": "int64", "sku_id": "int64", "volume": "int64"})

    def low_satisfaction(self, threshold: float) -> pd.DataFrame:
        """The managers' active customers whose last satisfaction answer (answered in the 12
        months up to the end of M) scores a dimension at or below ``threshold``:
        customer_id, lowest, dimensions (their names), answered_on (local date)."""
        since = month_bounds(add_months(self.month, -11))[0]
        rows = low_scores(
            customer_ids=self.ids.tolist(), since=since, before=self.end, threshold=threshold
        )
        local = pd.to_datetime(rows["answered_at"], utc=True).dt.tz_convert(settings.TIME_ZONE)
        rows["answered_on"] = local.dt.strftime("%Y-%m-%d").astype(object)
        rows["lowest"] = rows["lowest"].astype("int64")
        return rows.drop(columns=["answered_at"])
