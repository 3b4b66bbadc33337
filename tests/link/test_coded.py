"""link/coded.py: a column as codes into its distinct words, whether it comes plain or
categorical, with missing values read as the empty word."""

from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.link.coded import categorical, coded, common


def test_plain_and_categorical_columns_read_the_same_words() -> None:
    values = ["Иванов", None, "Петров", "Иванов", "", np.nan]
    plain = coded(pd.Series(values, dtype=object))
    category = coded(pd.Series(values, dtype=object).astype("category"))
    expected = ["Иванов", "", "Петров", "Иванов", "", ""]
    assert plain.values().tolist() == expected
    assert category.values().tolist() == expected
    assert plain.present().tolist() == [True, False, True, True, False, False]
    assert category.values(np.array([2, 5])).tolist() == ["Петров", ""]


def test_common_vocabulary_makes_equal_codes_equal_words() -> None:
    left = coded(pd.Series(["a", "b", None, "c"]).astype("category"))
    right = coded(pd.Series(["c", "b", "a", None]))
    a, b = common(left, right)
    assert a.values().tolist() == ["a", "b", "", "c"]
    assert b.values().tolist() == ["c", "b", "a", ""]
    assert (a.codes == b.codes).tolist() == [False, True, False, False]
    assert (a.words is b.words) or a.words.tolist() == b.words.tolist()


def test_categorical_converts_only_the_named_columns_and_keeps_the_frame() -> None:
    frame = pd.DataFrame({"surname": ["Иванов", None], "row": [1, 2]}, index=["r1", "r2"])
    out = categorical(frame, ["surname", "absent"])
    assert isinstance(out["surname"].dtype, pd.CategoricalDtype)
    assert out["row"].tolist() == [1, 2] and out.index.tolist() == ["r1", "r2"]
    assert frame["surname"].dtype == object                  # the caller's frame untouched
    assert categorical(out, ["surname"]) is out              # nothing left to convert
