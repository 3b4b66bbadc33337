"""A research release that may leave the team (`linkage links --pseudonymise KEYFILE`):
what the trusted de-identification tools do (the DICOM PS3.15 confidentiality profile's
"retain longitudinal temporal information with modified dates", RSNA's CTP), for the
research files (docs/architecture.md, "A research release").

- Record and study identifiers become keyed hashes (`pseudonym`), so whoever holds the
  key joins the next release to this one, and nobody else can go back.
- Every date of a person (admission, surgery, each linked study's date, the export's
  date columns, in every record of the person) moves by one offset of its own, drawn
  from the key and the person's pseudonym, within `[release] date_shift_days` either way
  and never 0: intervals between a person's dates stay exact, calendar dates do not
  survive. The person is the registry's, as the linker groups records
  (`link.persons.person_key`: the same birth date and compatible names, or the same
  case number). `--dates
  relative` writes no calendar date at all: days from the record's surgery (else
  admission) instead.
- Export columns pass through only when listed in `[release] keep_columns` or when
  every value is coded: a number, an ICD-10 code, or a date (then shifted). Free text
  (a note can hold a phone number, a relative's name) and staff names are dropped.
- `release.txt` says what was kept, dropped and why, the shift range and the command
  line, never the key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from linkage.files import atomic_path
from linkage.records.values import parse_date, parse_sex

ICD10 = re.compile(r"^[A-TV-Z]\d{2}(\.\d{1,2})?[+*]?$")
NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")
DATES_AT_LEAST = 0.9     # a column this much dates is a date column (its typos left out)


def as_date(text: str) -> str:
    """A date in any of the export's forms (or DICOM's YYYYMMDD) as ISO; "" if it is
    none (a short number is a number, not an Excel day)."""
    text = (text or "").strip()
    if not text or (NUMBER.match(text) and len(text) < 8):
        return ""
    return parse_date(text)[0]


def pseudonym(key: bytes, kind: str, value: str) -> str:
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Release:
    """How the research files are de-identified; None where they are not."""

    key: bytes
    shift_days: int = 180
    relative: bool = False          # --dates relative: intervals only
    keep_columns: tuple[str, ...] = ()
    command: str = ""               # the command line, with the key file's path left out
    columns: dict = field(default_factory=dict)   # export column -> (kept?, why), filled
    # record_id -> its person (link.persons.person_key): a person's records (repeat
    # admissions) move together, so intervals between them stay exact too
    persons: dict = field(default_factory=dict)

    def record(self, record_id: str) -> str:
        return pseudonym(self.key, "record", record_id)

    def study(self, study_uid: str) -> str:
        return pseudonym(self.key, "study", study_uid)

    def shift(self, record_id: str) -> int:
        """The offset in days of the record's person (of the record, when its person is
        not known): from -shift_days to shift_days, never 0."""
        person = self.persons.get(record_id)
        unit = pseudonym(self.key, "person", person) if person else self.record(record_id)
        digest = hmac.new(self.key, f"date-shift:{unit}".encode(),
                          hashlib.sha256).digest()
        step = int.from_bytes(digest[:8], "big") % (2 * self.shift_days)
        return step - self.shift_days if step < self.shift_days else step - self.shift_days + 1

    def date(self, record_id: str, value: str, anchor: str = "") -> str:
        """A date of the record as the release writes it: shifted, or with `relative`
        days from `anchor` (the record's surgery or admission date; "" without one)."""
        when = as_date(value)
        if not when:
            return ""
        if self.relative:
            start = as_date(anchor)
            if not start:
                return ""
            return str((date.fromisoformat(when) - date.fromisoformat(start)).days)
        return (date.fromisoformat(when) + timedelta(days=self.shift(record_id))).isoformat()


def classify_columns(release: Release, headers: list[str], rows: list[list[str]]
                     ) -> list[bool]:
    """Which export columns a release keeps (`release.columns` says why for each);
    date columns are then shifted by `release_value`."""
    kept = []
    for i, header in enumerate(headers):
        values = [row[i].strip() for row in rows if i < len(row) and row[i].strip()]
        if header in release.keep_columns:
            keep, why = True, "kept: listed in [release] keep_columns"
        elif not values:
            keep, why = True, "kept: empty"
        elif sum(bool(as_date(v)) for v in values) >= DATES_AT_LEAST * len(values):
            keep, why = True, ("kept: dates, as days from surgery" if release.relative
                               else "kept: dates, shifted per record") + (
                "; values that are no date left out"
                if not all(as_date(v) for v in values) else "")
        elif all(parse_sex(v)[0] for v in values):
            keep, why = True, "kept: sex"
        elif all(NUMBER.match(v) for v in values):
            keep, why = True, "kept: numbers"
        elif all(ICD10.match(v.upper()) for v in values):
            keep, why = True, "kept: ICD-10 codes"
        else:
            keep, why = False, "dropped: free text or names (list it in [release] " \
                               "keep_columns to keep it)"
        release.columns[header] = (keep, why)
        kept.append(keep)
    return kept


def release_value(release: Release, header: str, record_id: str, value: str,
                  anchor: str) -> str:
    """A kept export value as the release writes it (a date column's dates moved)."""
    why = release.columns.get(header, (True, ""))[1]
    return release.date(record_id, value, anchor) if why.startswith("kept: dates") else value


def write_release_notes(path: Path, release: Release, files: list[str]) -> None:
    """release.txt: what the release holds and how it was made (never the key)."""
    dates = ("no calendar date: every date is days from the record's surgery date "
             "(admission date without one)" if release.relative else
             f"every date of a record shifted by its own offset, from -{release.shift_days}"
             f" to +{release.shift_days} days (never 0), drawn from the key; intervals "
             "between a record's dates are exact")
    lines = ["Research release made by linkage", "",
             f"command: {release.command}", "",
             "identifiers: record and study IDs replaced by keyed hashes (HMAC-SHA256); "
             "names, birth dates, case numbers and paths are not in the release",
             f"dates: {dates}", "", "files: " + ", ".join(files), "",
             "export columns in cohort.csv:"]
    lines += [f"  {header}: {why}" for header, (_, why) in release.columns.items()]
    if not release.columns:
        lines.append("  (none besides the admission and surgery dates)")
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
