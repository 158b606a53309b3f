"""PostgreSQL's binary COPY format built from numpy columns at once, without a Python call per
row or per value (issue #15: formatting the month's 125k rows was a good part of writing it).

A stream is a header, then per row a 16-bit field count and per field a 32-bit length (−1 for
NULL) and that many bytes of the column type's binary form (big-endian), then a trailer.
Each column is encoded as (sizes per row, the non-NULL payloads end to end); ``stream`` lays
them out row by row with one scatter per column."""

from __future__ import annotations

import numpy as np
import pandas as pd

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
PG_EPOCH = np.datetime64("2000-01-01", "D")
# numeric with two decimals: 4 base-10000 digits before the point (16 decimal digits, what
# numeric(18, 2) allows), 1 after (2 decimals × 100); leading zero digits are allowed on input
NUMERIC_INTEGER_DIGITS = 4
NUMERIC_MAX_CENTS = 10**18

Column = tuple[np.ndarray, np.ndarray]  # (size per row, −1 = NULL; payload bytes, uint8)


def _fixed(values: np.ndarray, null: np.ndarray | None, dtype: str) -> Column:
    values = np.asarray(values).astype(dtype)
    width = values.dtype.itemsize
    sizes = np.full(len(values), width, dtype="int64")
    if null is not None and null.any():
        sizes[null] = -1
        values = values[~null]
    return sizes, np.ascontiguousarray(values).view(np.uint8)


def integers(values, *, width: int) -> Column:
    """int2/int4/int8 (``width`` bytes) from integers or a nullable Int64 array (NA = NULL)."""
    null = np.asarray(values.isna()) if hasattr(values, "isna") else None
    if null is not None:
        values = values.to_numpy(dtype="int64", na_value=0)
    return _fixed(values, null, f">i{width}")


def floats(values) -> Column:
    """float8; NaN = NULL."""
    values = np.asarray(values, dtype="float64")
    return _fixed(values, np.isnan(values), ">f8")


def dates(values) -> Column:
    """date: days since 2000-01-01."""
    days = np.asarray(values, dtype="datetime64[D]") - PG_EPOCH
    return _fixed(days.astype("int64"), None, ">i4")


def texts(values) -> Column:
    """text/varchar (UTF-8); None = NULL. Each distinct value is encoded once (the scope and
    object columns repeat a few hundred values over the rows)."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    encoded = [str(u).encode() for u in uniques]
    unique_sizes = np.array([len(e) for e in encoded], dtype="int64")
    unique_bytes = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    unique_starts = np.concatenate([[0], np.cumsum(unique_sizes)[:-1]]).astype("int64")
    present = codes[codes >= 0]
    sizes = np.full(len(codes), -1, dtype="int64")
    sizes[codes >= 0] = unique_sizes[present]
    lengths = unique_sizes[present]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype("int64")
    at = np.repeat(unique_starts[present] - starts, lengths) + np.arange(int(lengths.sum()))
    return sizes, unique_bytes[at]


def money(cents) -> Column:
    """numeric with two decimals from whole cents (float or int; NaN = NULL)."""
    cents = np.asarray(cents, dtype="float64")
    null = np.isnan(cents)
    whole = np.where(null, 0, cents).astype("int64")
    if (np.abs(whole) >= NUMERIC_MAX_CENTS).any():
        raise ValueError("an amount beyond numeric(18, 2)")
    record = np.dtype(
        [("ndigits", ">i2"), ("weight", ">i2"), ("sign", ">u2"), ("dscale", ">i2")]
        + [(f"d{i}", ">i2") for i in range(NUMERIC_INTEGER_DIGITS + 1)]
    )
    out = np.zeros(len(whole), dtype=record)
    out["ndigits"] = NUMERIC_INTEGER_DIGITS + 1
    out["weight"] = NUMERIC_INTEGER_DIGITS - 1
    out["sign"] = np.where(whole < 0, 0x4000, 0)
    out["dscale"] = 2
    units, fraction = np.divmod(np.abs(whole), 100)
    for i in range(NUMERIC_INTEGER_DIGITS - 1, -1, -1):
        units, out[f"d{i}"] = np.divmod(units, 10_000)
    out[f"d{NUMERIC_INTEGER_DIGITS}"] = fraction * 100
    return _fixed(out, null, record)


def stream(columns: list[Column], rows: int) -> bytes:
    """The whole COPY stream: header, ``rows`` rows of ``columns``, trailer."""
    field_sizes = [4 + np.maximum(sizes, 0) for sizes, _ in columns]
    row_sizes = 2 + np.sum(field_sizes, axis=0) if columns else np.full(rows, 2)
    row_start = len(HEADER) + np.concatenate([[0], np.cumsum(row_sizes)[:-1]]).astype("int64")
    total = len(HEADER) + int(np.sum(row_sizes)) + len(TRAILER)
    out = np.empty(total, dtype=np.uint8)
    out[: len(HEADER)] = np.frombuffer(HEADER, dtype=np.uint8)
    out[total - len(TRAILER) :] = np.frombuffer(TRAILER, dtype=np.uint8)
    _scatter(out, row_start, np.full(rows, len(columns), dtype=">i2").view(np.uint8), 2)
    at = row_start + 2
    for (sizes, payload), size in zip(columns, field_sizes, strict=True):
        _scatter(out, at, sizes.astype(">i4").view(np.uint8), 4)
        present = sizes >= 0
        _scatter_runs(out, at[present] + 4, sizes[present], payload)
        at = at + size
    return out.tobytes()


def _scatter(out: np.ndarray, starts: np.ndarray, data: np.ndarray, width: int) -> None:
    """Write ``width`` bytes of ``data`` at each of ``starts``."""
    out[(starts[:, None] + np.arange(width)).ravel()] = data


def _scatter_runs(out: np.ndarray, starts: np.ndarray, lengths: np.ndarray, data) -> None:
    """Write consecutive runs of ``data`` (``lengths`` bytes each) at ``starts``."""
    if not len(data):
        return
    source = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    out[np.repeat(starts - source, lengths) + np.arange(len(data))] = data
