"""linkage.names.memo.SeededCache: computed once per key; a seeded key is never computed."""

from linkage.names.memo import SeededCache


def test_a_key_is_computed_once_and_a_seeded_key_never() -> None:
    calls: list[str] = []

    @SeededCache
    def shout(word: str) -> str:
        """Upper case."""
        calls.append(word)
        return word.upper()

    assert shout("а") == "А" and shout("а") == "А"
    assert calls == ["а"]
    shout.seed({"б": "from elsewhere"})
    assert shout("б") == "from elsewhere" and calls == ["а"]
    assert shout.results() == {"а": "А", "б": "from elsewhere"}
    shout.results()["в"] = "a copy, not the cache"
    assert shout("в") == "В"
    shout.cache_clear()
    assert shout("б") == "Б" and calls == ["а", "в", "б"]
    assert shout.__doc__ == "Upper case." and shout.__name__ == "shout"
