"""names/schemes.py: spelling many words at once gives, for every word, exactly what
iuliia's own schemes (and the informal habits and foreign conventions) give one word
at a time."""

from __future__ import annotations

from linkage.names import schemes
from linkage.names.conventions import CONVENTIONS, spell
from linkage.names.schemes import plain_latin, scheme_spellings, spell_all

WORDS = ["Щукина", "Юлия", "Воробьёв", "Достоевский", "Анна-Мария", "Ёлкин", "Подъячев",
         "Цветаева", "Кекс", "Майя", "Ивaнов",            # a Latin «a» inside
         "Гаецкий", "Зиновьев", "Ий", "Е", "Ильинична", "Фёдор Иванович"]


def _one_at_a_time(word: str) -> dict[str, str]:
    lower = word.lower()
    spellings: dict[str, str] = {}
    for name, schema in schemes._schemes():
        spellings.setdefault(plain_latin(schema.translate(lower)), name)
    for name in CONVENTIONS:
        spellings.setdefault(plain_latin(spell(lower, name)), name)
    spellings.pop("", None)
    return spellings


def test_spelling_in_a_batch_is_spelling_one_word_at_a_time() -> None:
    schemes.clear_cache()
    spell_all(WORDS + WORDS[:3])                 # repeated words are spelled once
    for word in WORDS:
        assert scheme_spellings(word) == _one_at_a_time(word), word
        assert list(scheme_spellings(word)) == list(_one_at_a_time(word))   # same order


def test_a_word_not_spelled_before_is_spelled_on_demand() -> None:
    schemes.clear_cache()
    spellings = scheme_spellings("Щукина")
    assert spellings["shchukina"] == "ICAO_DOC_9303"
    assert "schukina" in spellings and "sxukina" not in spellings
    assert all(s.isascii() and s.isalpha() and s.islower() for s in spellings)


def test_words_with_no_letters_only_word_and_nothing_at_all() -> None:
    schemes.clear_cache()
    spell_all([])
    spell_all(["Анна-Мария"])                    # no word of letters only in the batch
    assert scheme_spellings("Анна-Мария") == _one_at_a_time("Анна-Мария")
    for _, _, prepared in schemes._prepared():
        assert prepared.spell_many([]) == []
