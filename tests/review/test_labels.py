"""What a clinician types into «Решение» is read as meant: case, spaces, a dot, a Latin
look-alike letter (дa with a Latin a), a typographic apostrophe; anything else is not a
decision (and the import refuses the file, naming the cell)."""

import pytest

from linkage.review.labels import normalise_decision


@pytest.mark.parametrize(("typed", "stored"), [
    ("да", "yes"), (" ДА. ", "yes"), ("дa", "yes"), ("нeт", "no"), ("Нет", "no"),
    ("не  знаю", "unsure"), ("don’t know", "unsure"), ("don't know", "unsure"),
    (None, ""), ("  ", ""), ("наверное", None), ("da", None),
])
def test_decision_cells(typed, stored) -> None:
    assert normalise_decision(typed) == stored
