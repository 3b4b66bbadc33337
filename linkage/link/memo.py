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

FORMAT = 1


def pack(linked: LinkResult) -> bytes:
    """The whole LinkResult: every scored pair, the model, the blocking and guard counts."""
    arrays: dict[str, np.ndarray] = {}
    text_columns = []
    for name in linked.pairs.columns:
        column = linked.pairs[name]
        if column.dtype == object:
            codes, uniques = pd.factorize(column.fillna("").astype(str), sort=False)
            arrays[f"text:{name}"] = np.array(list(uniques), dtype=str)
            arrays[f"code:{name}"] = codes.astype(np.min_scalar_type(max(len(uniques), 1)))
            text_columns.append(name)
        else:
            arrays[f"num:{name}"] = column.to_numpy()
    model = linked.model
    for i, (m, u) in enumerate(zip(model.m, model.u, strict=True)):
        arrays[f"m:{i}"], arrays[f"u:{i}"] = np.asarray(m), np.asarray(u)
    for column, freq in model.tf.items():
        arrays[f"tfkey:{column}"] = np.array([str(k) for k in freq.index], dtype=str)
        arrays[f"tfval:{column}"] = freq.to_numpy()
    meta = {"format": FORMAT, "columns": list(linked.pairs.columns), "text": text_columns,
            "prior": model.prior, "tf": list(model.tf), "levels": len(model.m),
            "blocking": [linked.blocking.pairs, linked.blocking.all_pairs],
            "guard": [linked.guard.asked, linked.guard.asked_without_answers,
                      linked.guard.new_questions]}
    arrays["meta"] = np.array(json.dumps(meta))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def unpack(blob: bytes) -> LinkResult | None:
    """The LinkResult `pack` stored, or None when the bytes are of another format."""
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
            meta = json.loads(str(arrays["meta"]))
            if meta.get("format") != FORMAT or meta["levels"] != len(COMPARISONS):
                return None
            data = {}
            for name in meta["columns"]:
                if name in meta["text"]:
                    values = arrays[f"text:{name}"].astype(object)
                    data[name] = values[arrays[f"code:{name}"]] if len(values) else \
                        np.array([], dtype=object)
                else:
                    data[name] = arrays[f"num:{name}"]
            m = [arrays[f"m:{i}"] for i in range(meta["levels"])]
            u = [arrays[f"u:{i}"] for i in range(meta["levels"])]
            tf = {c: pd.Series(arrays[f"tfval:{c}"], index=arrays[f"tfkey:{c}"].astype(object))
                  for c in meta["tf"]}
    except (ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile):
        return None
    pairs = pd.DataFrame(data, columns=meta["columns"])
    return LinkResult(pairs, Model(COMPARISONS, m, u, float(meta["prior"]), tf),
                      BlockingReport(*meta["blocking"]), Guard(*meta["guard"]))
