"""links.csv for outcome studies: auto and confirmed links, optionally pseudonymised.

With a key file, record and study identifiers are replaced by keyed hashes
(HMAC-SHA256), so a table can leave the team without the IDs that lead back to
a patient; whoever holds the key can still join it with the next export.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pandas as pd

from linkage.files import write_csv
from linkage.images.instance import instances_from_rows
from linkage.images.studies import Study, group_studies, study_from_row
from linkage.images.summary import unpack_studies
from linkage.link.status import AUTO, CONFIRMED, REJECTED, REVIEW
from linkage.store import Store
from linkage.text import iso_date as _iso

LINK_COLUMNS = ["record_id", "study_instance_uid", "how", "score", "study_date", "modality",
                "description", "locations"]


def links_from_state(matches: Path, store: Store) -> tuple[pd.DataFrame, dict[str, Study]]:
    """The last run's pairs with the decisions imported since, and its studies:
    what `linkage links` needs without scanning or linking again."""
    pairs = pd.read_csv(matches, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    pairs["score"] = pairs["score"].astype(float)
    answer = {"yes": CONFIRMED, "no": REJECTED}
    decided = {key: answer.get(d.decision, REVIEW)
               for key, d in store.current_decisions().items()}
    keys = zip(pairs["record_id"], pairs["study_instance_uid"], strict=True)
    pairs["status"] = [decided.get(k, s) for k, s in zip(keys, pairs["status"], strict=True)]
    studies: list[Study] = []
    for root in store.roots():
        blob = store.latest_scan_summary(root)
        rows = unpack_studies(blob) if blob is not None else None
        if rows is not None:
            studies.extend(study_from_row(r) for r in rows)
        else:              # a state written before studies were kept: group them again
            studies.extend(group_studies(instances_from_rows(store.cached_instance_rows(root))))
    return pairs, {s.study_instance_uid: s for s in studies}


def read_key(path: str | Path) -> bytes:
    key = Path(path).read_bytes().strip()
    if len(key) < 16:
        raise ValueError(f"{path}: the key file must hold at least 16 bytes of secret")
    return key


def pseudonym(key: bytes, kind: str, value: str) -> str:
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def link_rows(pairs: pd.DataFrame, study_info: dict, key: bytes | None = None) -> list[list]:
    linked = pairs[pairs["status"].isin([AUTO, CONFIRMED])].sort_values(
        ["record_id", "study_instance_uid"])
    rows = []
    for row in linked.itertuples():
        info = study_info.get(row.study_instance_uid)
        record_id, study_uid = row.record_id, row.study_instance_uid
        locations = " | ".join(info.locations) if info else ""
        if key is not None:
            record_id = pseudonym(key, "record", record_id)
            study_uid = pseudonym(key, "study", study_uid)
            locations = ""            # paths carry names
        rows.append([record_id, study_uid, "confirmed" if row.status == CONFIRMED else "auto",
                     f"{row.score:.6f}", _iso(info.study_date) if info else "",
                     info.modalities if info else "", info.description if info else "",
                     locations])
    return rows


def write_links(path: Path, pairs: pd.DataFrame, study_info: dict, key: bytes | None = None
                ) -> int:
    rows = link_rows(pairs, study_info, key)
    write_csv(path, LINK_COLUMNS, rows)
    return len(rows)
