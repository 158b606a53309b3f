"""A shard's results as bytes, kept on its row until the month is put together (the shards
run in other processes, possibly on other machines; the database is what they share).

An ``.npz`` archive of plain arrays, written and read with ``allow_pickle=False``: nothing
in it can run code when read. Frames go column by column: numbers as they are, nullable
integers (``Int64``) and texts with a mask of the missing ones, the month column left out
(it is the run's month)."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd

from .brand_rates import GRID_MEASURES, GROUP_TOTALS, GroupMeasures
from .shards import ShardResult

FRAMES = ("customer_rows",)


def pack(result: ShardResult) -> bytes:
    arrays: dict[str, np.ndarray] = {}
    for name in FRAMES:
        _pack_frame(arrays, name, getattr(result, name))
    _pack_frame(arrays, "execution", result.execution.reset_index())
    m = result.measures
    arrays["measures.manager_ids"] = m.manager_ids
    arrays["measures.object_type"] = np.asarray(m.object_type, dtype=str)
    arrays["measures.object_key"] = np.asarray(m.object_key, dtype=str)
    arrays["measures.seen"] = m.seen
    for key in GRID_MEASURES:
        arrays[f"grid.{key}"] = m.grids[key]
    for key in GROUP_TOTALS:
        arrays[f"total.{key}"] = m.totals[key]
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


def unpack(data: bytes, month: dt.date) -> ShardResult:
    with np.load(io.BytesIO(bytes(data)), allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    frames = {name: _unpack_frame(arrays, name, month) for name in FRAMES}
    measures = GroupMeasures(
        manager_ids=arrays["measures.manager_ids"],
        object_type=arrays["measures.object_type"],
        object_key=arrays["measures.object_key"],
        grids={key: arrays[f"grid.{key}"] for key in GRID_MEASURES},
        totals={key: arrays[f"total.{key}"] for key in GROUP_TOTALS},
        seen=arrays["measures.seen"],
    )
    execution = _unpack_frame(arrays, "execution", month).set_index("manager_id")
    return ShardResult(measures=measures, execution=execution, **frames)


def _pack_frame(arrays: dict, name: str, frame: pd.DataFrame) -> None:
    arrays[f"{name}.__columns__"] = np.array(list(frame.columns), dtype=str)
    for column in frame.columns:
        if column == "month":
            continue
        key, values = f"{name}.{column}", frame[column]
        if isinstance(values.dtype, pd.Int64Dtype):
            arrays[f"{key}.int"] = values.to_numpy(dtype="int64", na_value=0)
            arrays[f"{key}.missing"] = values.isna().to_numpy()
        elif values.dtype == object:
            missing = values.isna().to_numpy()
            arrays[f"{key}.text"] = np.asarray(values.where(~missing, "").astype(str), dtype=str)
            arrays[f"{key}.missing"] = missing
        else:
            arrays[key] = values.to_numpy()


def _unpack_frame(arrays: dict, name: str, month: dt.date) -> pd.DataFrame:
    columns = [str(c) for c in arrays[f"{name}.__columns__"]]
    out = {}
    for column in columns:
        key = f"{name}.{column}"
        if column == "month":
            out[column] = month
        elif f"{key}.int" in arrays:
            out[column] = pd.array(arrays[f"{key}.int"], dtype="Int64")
            out[column][arrays[f"{key}.missing"]] = pd.NA
        elif f"{key}.text" in arrays:
            values = arrays[f"{key}.text"].astype(object)
            values[arrays[f"{key}.missing"]] = None
            out[column] = pd.Series(values, dtype=object)
        else:
            out[column] = arrays[key]
    n = len(next((v for v in out.values() if not isinstance(v, dt.date)), []))
    index = pd.RangeIndex(n)
    return pd.DataFrame(
        {c: v if isinstance(v, dt.date) else pd.Series(v, index=index) for c, v in out.items()},
        index=index,
        columns=columns,
    )
