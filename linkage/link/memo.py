"""A link result as bytes, so that a run whose inputs are the last run's does not link
again (docs/architecture.md, "Nothing changed, nothing to do").

Plain arrays in NumPy's `.npz` format, read back with `allow_pickle=False`: a state
file can never make the tool run code. Text columns are stored as their distinct
values and one integer code per pair (a reason repeats across thousands of pairs).
"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pandas as pd

from linkage.link.blocking import BlockingReport
from linkage.link.comparisons import COMPARISONS
from linkage.link.pipeline import Guard, LinkResult
from linkage.link.scoring import Model

FORMAT = 4     # 2: whole-number columns narrowed, their dtypes in the meta; 3: only the
               # pairs within reach of a rule, and the histogram of every score; 4: the
               # pairs a rule cleared apart, with their levels and the rule only


def pack(linked: LinkResult) -> bytes:
    """The whole LinkResult: the pairs with a status, those a rule cleared, the model,
    the histogram of every candidate's score, the blocking and guard counts."""
    arrays: dict[str, np.ndarray] = {}
    frames = {"pairs": _pack_frame(arrays, "", linked.pairs),
              "cleared": _pack_frame(arrays, "cleared.", linked.cleared)}
    model = linked.model
    for i, (m, u) in enumerate(zip(model.m, model.u, strict=True)):
        arrays[f"m:{i}"], arrays[f"u:{i}"] = np.asarray(m), np.asarray(u)
    for column, freq in model.tf.items():
        arrays[f"tfkey:{column}"] = np.array([str(k) for k in freq.index], dtype=str)
        arrays[f"tfval:{column}"] = freq.to_numpy()
    meta = {"format": FORMAT, "frames": frames,
            "prior": model.prior, "tf": list(model.tf), "levels": len(model.m),
            "blocking": [linked.blocking.pairs, linked.blocking.all_pairs],
            "guard": [linked.guard.asked, linked.guard.asked_without_answers,
                      linked.guard.new_questions]}
    arrays["histogram"] = np.asarray(linked.histogram if linked.histogram is not None
                                     else np.zeros(0, dtype=np.int64))
    arrays["meta"] = np.array(json.dumps(meta))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _pack_frame(arrays: dict[str, np.ndarray], prefix: str, frame: pd.DataFrame) -> dict:
    """A frame's columns into `arrays` (names after `prefix`); its layout, for the meta."""
    text_columns = []
    for name in frame.columns:
        column = frame[name]
        if column.dtype == object:
            texts, codes = _coded_text(column.to_numpy())
            arrays[f"{prefix}text:{name}"] = np.array(texts, dtype=str)
            arrays[f"{prefix}code:{name}"] = codes.astype(np.min_scalar_type(max(len(texts), 1)))
            text_columns.append(name)
        else:
            arrays[f"{prefix}num:{name}"] = _narrowed(column.to_numpy())
    return {"prefix": prefix, "columns": list(frame.columns), "text": text_columns,
            "dtypes": {name: str(frame[name].dtype) for name in frame.columns
                       if name not in text_columns}}


def _unpack_frame(arrays, layout: dict) -> pd.DataFrame:
    prefix, data = layout["prefix"], {}
    for name in layout["columns"]:
        if name in layout["text"]:
            values = arrays[f"{prefix}text:{name}"].astype(object)
            data[name] = values[arrays[f"{prefix}code:{name}"]] if len(values) else \
                np.array([], dtype=object)
        else:
            data[name] = arrays[f"{prefix}num:{name}"].astype(layout["dtypes"][name],
                                                              copy=False)
    return pd.DataFrame(data, columns=layout["columns"])


def _coded_text(values: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Distinct texts and a code per value; a missing value reads as "". (Factorized as
    they are, the missing ones set aside: filling them in first copied every column.)"""
    codes, uniques = pd.factorize(values, sort=False)
    texts = [str(u) for u in uniques]
    missing = codes < 0
    if missing.any():
        codes[missing] = len(texts)
        texts.append("")
    return texts, codes


def _narrowed(values: np.ndarray) -> np.ndarray:
    """Whole numbers in the smallest integer type that holds them: a comparison's level
    is 0-5, kept as int64 by pandas (a third of a stored result).
    `unpack` casts them back, so the values are the same."""
    if values.dtype.kind not in "iu" or not len(values):
        return values
    smallest = np.result_type(np.min_scalar_type(int(values.min())),
                              np.min_scalar_type(int(values.max())))
    return values.astype(smallest) if smallest.itemsize < values.itemsize else values


def unpack(blob: bytes) -> LinkResult | None:
    """The LinkResult `pack` stored, or None when the bytes are of another format."""
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
            meta = json.loads(str(arrays["meta"]))
            if meta.get("format") != FORMAT or meta["levels"] != len(COMPARISONS):
                return None
            pairs = _unpack_frame(arrays, meta["frames"]["pairs"])
            cleared = _unpack_frame(arrays, meta["frames"]["cleared"])
            m = [arrays[f"m:{i}"] for i in range(meta["levels"])]
            u = [arrays[f"u:{i}"] for i in range(meta["levels"])]
            histogram = arrays["histogram"]
            tf = {c: pd.Series(arrays[f"tfval:{c}"], index=arrays[f"tfkey:{c}"].astype(object))
                  for c in meta["tf"]}
    except (ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile):
        return None
    return LinkResult(pairs, Model(COMPARISONS, m, u, float(meta["prior"]), tf),
                      BlockingReport(*meta["blocking"]), Guard(*meta["guard"]), histogram,
                      cleared)
