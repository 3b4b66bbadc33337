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


def test_categorical_keeps_the_named_columns_and_the_index_only() -> None:
    frame = pd.DataFrame({"surname": ["Иванов", None, "Иванов"], "row": [1, 2, 3]},
                         index=["r1", "r2", "r3"])
    out = categorical(frame, ["surname", "absent", "surname"])
    assert list(out.columns) == ["surname"] and out.index.tolist() == ["r1", "r2", "r3"]
    assert isinstance(out["surname"].dtype, pd.CategoricalDtype)
    assert coded(out["surname"]).values().tolist() == ["Иванов", "", "Иванов"]
    assert frame["surname"].dtype == object                  # the caller's frame untouched
    again = categorical(out, ["surname"])
    assert again["surname"].cat.categories.tolist() == ["Иванов"]
