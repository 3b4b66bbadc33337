"""Where a linked study stands in its record's story, for outcome studies: days from
admission and from surgery, the phase (before the operation, during the stay, early
after it, follow-up), and the part of the spine it shows.

The phase windows are config keys ([outcomes] in configs/default.toml). The region is
read from the study's description and BodyPartExamined, in Russian and English with
the abbreviations radiologists use (ШОП, ГОП, ПОП, ПКОП, C-spine, L-SPINE...).
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from linkage.config import Windows

PRE_OPERATIVE, STAY, EARLY_POST_OPERATIVE, FOLLOW_UP = (
    "pre-operative", "stay", "early post-operative", "follow-up")
EARLIER = "earlier"        # before the pre-operative window: an old study, another episode


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def days_between(study: str, anchor: str) -> int | None:
    """Study date minus the anchor date, in days (negative before); None if unknown."""
    a, b = _day(study), _day(anchor)
    return (a - b).days if a and b else None


def phase(study: str, admission: str, surgery: str, windows: Windows) -> str:
    """The phase of a study date relative to one record's admission and surgery."""
    from_surgery = days_between(study, surgery)
    from_admission = days_between(study, admission)
    if from_surgery is not None:
        if from_surgery < 0:
            inside_stay = from_admission is not None and from_admission >= 0
            if inside_stay:
                return STAY
            return PRE_OPERATIVE if -from_surgery <= windows.pre_operative_days else EARLIER
        if from_surgery <= windows.early_post_operative_days:
            return EARLY_POST_OPERATIVE
        return FOLLOW_UP
    if from_admission is None:
        return ""
    if from_admission < 0:
        return PRE_OPERATIVE if -from_admission <= windows.pre_operative_days else EARLIER
    return STAY if from_admission <= windows.stay_days else FOLLOW_UP


CERVICAL, THORACIC, LUMBAR, SACRAL, WHOLE, OTHER, UNKNOWN = (
    "cervical", "thoracic", "lumbar", "sacral", "whole spine", "other", "unknown")
_REGIONS = [
    (WHOLE, r"весь позвоночник|всего позвоночника|whole[ -]?spine|total spine|wholebody|"
            r"whole body|все отделы"),
    (LUMBAR, r"пкоп|поп\b|пояснич|lumb|\bl[ -]?spine|lspine|\bls\b|\bl[1-5]\b"),
    (CERVICAL, r"шоп|шейн|cervic|\bc[ -]?spine|cspine|neck|\bc[1-7]\b"),
    (THORACIC, r"гоп|грудн|thorac|\bt[ -]?spine|tspine|dorsal|\bth?[1-9]\b|\bth1[0-2]\b"),
    (SACRAL, r"крестц|копчик|sacr|coccy|sspine"),
]
# Words that say nothing of the region: the modality, "spine" itself, "study".
_NO_REGION = re.compile(r"\b(мрт|мскт|кт|рг|рентген\w*|ренгенограф\w*|mri|mr|ct|rg|xr|dx|cr|"
                        r"позвоночник\w*|позвон\w*|spine|спина|исследование|study|"
                        r"sag|ax|cor|t1|t2|stir|без|с|контраст\w*|контроль|series)\b")


@lru_cache(maxsize=20_000)      # per distinct description: a few hundred in a folder
def region(description: str, body_parts: str = "") -> str:
    """The part of the spine a study shows; `whole spine` for three regions or more,
    the lumbar (then cervical, thoracic) one when two are named (a lumbosacral MRI
    is a lumbar study); `other` for a study of something else, `unknown` with no words."""
    text = f"{description} {body_parts}".lower().replace("ё", "е")
    if not text.strip():
        return UNKNOWN
    found = [name for name, pattern in _REGIONS if re.search(pattern, text)]
    if WHOLE in found or len(found) >= 3:
        return WHOLE
    if found:
        return found[0]
    rest = re.sub(r"[^a-zа-я]+", " ", _NO_REGION.sub(" ", text)).split()
    return OTHER if rest else UNKNOWN


@lru_cache(maxsize=1_000)
def modality_group(modalities: str) -> str:
    """MR, CT, XR (CR, DX, RF, XA) or OT: the groups an outcome study asks about."""
    codes = set(modalities.upper().split("/"))
    for group, members in (("MR", {"MR"}), ("CT", {"CT"}), ("XR", {"CR", "DX", "RF", "XA",
                                                                     "DR"})):
        if codes & members:
            return group
    return "OT" if modalities else ""
