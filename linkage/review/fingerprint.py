"""Fingerprints of what a person saw when deciding a pair.

A decision stays valid while the record's and the study's identity fields are
as they were; when a new export corrects a name or a birth date, the fingerprint
changes and the pair is asked again instead of trusting an answer to another
question.
"""

from __future__ import annotations

import hashlib

import pandas as pd

RECORD_FIELDS = ("surname", "given_name", "patronymic", "birth_date", "sex", "case_key")
STUDY_FIELDS = ("surname", "given_name", "patronymic", "birth_date", "sex", "case_key",
                "folder_surname")


def _digest(values) -> str:
    text = "\x1f".join(str(v).strip().lower().replace("ё", "е") for v in values)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _fingerprints(frame: pd.DataFrame, fields: tuple[str, ...]) -> dict[str, str]:
    if frame.empty:
        return {}
    values = frame[list(fields)].fillna("").astype(str).to_numpy()
    return {key: _digest(row) for key, row in zip(frame.index, values, strict=True)}


def record_fingerprints(records: pd.DataFrame) -> dict[str, str]:
    return _fingerprints(records, RECORD_FIELDS)


def study_fingerprints(studies: pd.DataFrame) -> dict[str, str]:
    return _fingerprints(studies, STUDY_FIELDS)


def stale_decisions(decisions: dict, records: pd.DataFrame, studies: pd.DataFrame
                    ) -> set[tuple[str, str]]:
    """Pairs whose record or study no longer looks as it did when the answer was given
    (a record or study that is gone is not stale: its pair is simply not scored)."""
    if not decisions:
        return set()
    # only the rows answered about: a first run would fingerprint every row for nothing
    rec_fp = record_fingerprints(records[records.index.isin({k[0] for k in decisions})])
    img_fp = study_fingerprints(studies[studies.index.isin({k[1] for k in decisions})])
    return {k for k, d in decisions.items()
            if (d.record_fingerprint and rec_fp.get(k[0], d.record_fingerprint)
                != d.record_fingerprint)
            or (d.study_fingerprint and img_fp.get(k[1], d.study_fingerprint)
                != d.study_fingerprint)}
