"""Names in any byte encoding under any (or no) declared character set decode right.

This is the one place the mojibake helpers are tested."""

import pytest

from linkage.images.charset import decode_text, dicom_codecs, fix_mojibake

NAMES = ["Иванов^Иван^Иванович", "ЩУКИНА^ЮЛИЯ^ЕРОФЕЕВНА", "Хасьянов^Артём", "Ёлкин^Пётр",
         "ЭЙХЕ^ЯНА", "Цой", "иванова^мария"]
BYTES = ["cp1251", "koi8_r", "cp866", "utf_8"]
DECLARED = {"none": None, "ISO_IR 100": "ISO_IR 100", "ISO_IR 144": "ISO_IR 144",
            "ISO_IR 192": "ISO_IR 192"}


@pytest.mark.parametrize("declared", list(DECLARED))
@pytest.mark.parametrize("encoding", BYTES)
@pytest.mark.parametrize("name", NAMES)
def test_cyrillic_bytes_decode_under_any_declared_set(name, encoding, declared) -> None:
    codecs = dicom_codecs(DECLARED[declared]) if DECLARED[declared] else []
    text, how = decode_text(name.encode(encoding), codecs)
    assert text == name
    assert how   # the decoding used is always said


def test_declared_set_is_trusted_when_it_reads_well() -> None:
    assert decode_text("Люкceмбypг".encode("iso8859_5"), ["iso8859_5"]) == \
        ("Люкceмбypг", "iso8859_5")


def test_repair_is_labelled() -> None:
    text, how = decode_text("Иванов".encode("cp1251"), ["latin_1"])
    assert text == "Иванов"
    assert how == "cp1251 (repaired)"


@pytest.mark.parametrize("name", ["Buc^Jérôme", "Äneas^Rüdiger", "Müller", "Gößmann"])
def test_real_latin1_names_are_not_repaired(name: str) -> None:
    assert decode_text(name.encode("latin_1"), ["latin_1"]) == (name, "latin_1")


def test_foreign_declared_sets_are_trusted() -> None:
    assert decode_text("Διονυσιος".encode("iso8859_7"), ["iso8859_7"])[0] == "Διονυσιος"
    assert decode_text("שרון^דבורה".encode("iso8859_8"), ["iso8859_8"])[0] == "שרון^דבורה"


def test_ascii_stays_ascii() -> None:
    assert decode_text(b"IVANOV^IVAN ", []) == ("IVANOV^IVAN", "ascii")
    assert decode_text(b"", []) == ("", "empty")


@pytest.mark.parametrize(("broken", "fixed"), [
    ("Èâàíîâ", "Иванов"),                          # Windows-1251 read as Latin-1
    ("Ð˜Ð²Ð°Ð½Ð¾Ð²", "Иванов"),                 # UTF-8 read as Windows-1252
    ("ÙÓÊÈÍÀ Þëèÿ", "ЩУКИНА Юлия"),
])
def test_fix_mojibake(broken: str, fixed: str) -> None:
    text, how = fix_mojibake(broken)
    assert text == fixed
    assert "repaired" in how


@pytest.mark.parametrize("text", ["Ivanov", "Müller", "Jérôme", "Иванов", ""])
def test_fix_mojibake_leaves_good_text(text: str) -> None:
    assert fix_mojibake(text) == (text, "")


def test_multi_valued_charsets() -> None:
    assert dicom_codecs("ISO 2022 IR 6\\ISO 2022 IR 144") == ["ascii", "iso8859_5"]
    assert dicom_codecs(["", "ISO_IR 192"]) == ["ascii", "utf_8"]
