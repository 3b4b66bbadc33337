"""Blocking, comparison levels, Fellegi-Sunter scoring and the classification rules."""

import numpy as np
import pandas as pd
import pytest

from linkage.config import load_settings
from linkage.images.scan import scan
from linkage.images.studies import Study, group_studies
from linkage.link.blocking import candidate_pairs, pair_index, woman_near_stay
from linkage.link.comparisons import COMPARISONS
from linkage.link.evaluate import Truth, evaluate
from linkage.link.identity import records_frame, studies_frame
from linkage.link.pipeline import link
from linkage.records.read import read_export
from linkage.store import Store

THRESHOLDS = load_settings().thresholds


@pytest.fixture(scope="module")
def tables(dataset, tmp_path_factory):
    with Store(tmp_path_factory.mktemp("state") / "s.sqlite") as store:
        studies = group_studies(scan(dataset.images, store, workers=1, progress=False).instances)
    records = read_export(dataset.export).records
    return records_frame(records), studies_frame(studies), studies


def test_blocking_finds_the_true_pairs_and_reduces(dataset, tables) -> None:
    records, studies, _ = tables
    pairs, report = candidate_pairs(records, studies)
    true = Truth.read(dataset.truth).true_pairs()
    assert len(set(pairs) & true) / len(true) >= 0.98
    assert report.reduction_ratio > 0.8
    assert report.pairs == len(pairs) == len(set(pairs))


def test_empty_keys_never_block_together() -> None:
    records = records_frame([_record("1", "", "", "", ""), _record("2", "", "Иван", "", "")])
    studies = studies_frame([Study("1.2.3"), Study("1.2.4", patient_name="^")])
    pairs, report = candidate_pairs(records, studies)
    assert len(pairs) == 0
    assert report.all_pairs == 4


def test_a_womans_given_name_and_patronymic_near_her_stay_block_together() -> None:
    """The maiden-name pass: no surname, no birth date in common, only the names and
    the time (admission 2020-01-10: studies from 120 days before to 60 after, in
    periods: the rules read the exact window)."""
    records = records_frame([_record("w", "Гусева", "Василиса", "Семёновна", "", sex="F"),
                             _record("m", "Гусев", "Василий", "Семёнович", "")])
    studies = studies_frame([
        Study("near", patient_name="ORLOVA^VASILISA^SEMENOVNA", study_date="20191201"),
        Study("late", patient_name="ORLOVA^VASILISA^SEMENOVNA", study_date="20200901"),
        Study("early", patient_name="ORLOVA^VASILISA^SEMENOVNA", study_date="20190301"),
        Study("other", patient_name="ORLOVA^VASILISA^PETROVNA", study_date="20191201"),
        Study("man", patient_name="ORLOV^VASILY^SEMENOVICH", study_date="20191201",
              sex="M"),
    ])
    join = woman_near_stay(records, studies)     # the pass alone (the others see surnames)
    numbers = join.pairs(np.ones(len(studies), dtype=bool), len(studies))
    assert set(pair_index(numbers, records.index, studies.index)) == {("w", "near")}


def test_levels_are_explicit_and_zero_is_missing() -> None:
    for comparison in COMPARISONS:
        labels = [lv.label for lv in comparison.levels]
        assert labels[0] == "missing"
        assert len(labels) == len(set(labels))


def test_scores_are_probabilities_with_contributions(dataset, tables) -> None:
    records, studies, _ = tables
    result = link(records, studies, THRESHOLDS)
    pairs = result.pairs
    assert pairs["score"].between(0, 1).all()
    assert {f"w_{c.name}" for c in COMPARISONS} <= set(pairs.columns)
    weights = result.model.weights()
    surname = [c.name for c in COMPARISONS].index("surname")
    labels = [lv.label for lv in COMPARISONS[surname].levels]
    assert weights[surname][labels.index("exact_both")] > 4
    assert weights[surname][labels.index("different")] < -3
    metrics = evaluate(pairs, Truth.read(dataset.truth), set(studies.index))
    assert metrics["auto_precision"] >= 0.98
    assert metrics["recall_auto_review"] >= 0.97


def _record(rid, surname, given, patronymic, birth, sex="M", case=""):
    return {"record_id": rid, "full_name": f"{surname} {given} {patronymic}".strip(),
            "surname": surname, "given_name": given, "patronymic": patronymic,
            "given_initial": given[:1], "patronymic_initial": patronymic[:1],
            "birth_date": birth, "sex": sex, "case_number": case, "case_key": case,
            "admission_date": "2020-01-10", "surgery_date": "", "row": rid}


def _linked(records, studies, decisions=None) -> pd.DataFrame:
    """Every candidate pair indexed by (record_id, study_instance_uid), with its status:
    those shown, those a rule cleared, and the others (no status, no rule)."""
    result = link(records, studies, THRESHOLDS, decisions)
    pairs, _ = candidate_pairs(records, studies)
    return pd.concat([result.pairs, result.cleared]).set_index(
        ["record_id", "study_instance_uid"]).reindex(pairs.union(
            result.pairs.set_index(["record_id", "study_instance_uid"]).index)) \
        .fillna({"status": "", "decided_by": "", "attention": "", "reason": ""})


def _population(extra_records, extra_studies):
    """Background people so that EM has something to learn from, plus the case."""
    rng = np.random.default_rng(0)
    surnames = ["Петров", "Сидоров", "Кузнецов", "Попов", "Соколов", "Волков", "Козлов",
                "Новиков", "Морозов", "Лебедев", "Орлов", "Зайцев"]
    given = ["Иван", "Пётр", "Сергей", "Андрей", "Олег", "Максим", "Денис", "Игорь"]
    fathers = ["Иванович", "Петрович", "Сергеевич", "Андреевич", "Олегович", "Юрьевич"]
    recs, studies = list(extra_records), list(extra_studies)
    for i in range(300):
        s, g, p = surnames[i % 12], given[rng.integers(8)], fathers[rng.integers(6)]
        birth = f"{1940 + rng.integers(60)}-{1 + rng.integers(12):02d}-{1 + rng.integers(28):02d}"
        recs.append(_record(f"r{i}", s, g, p, birth))
        if i % 3:
            studies.append(Study(f"2.25.{i}", patient_name=f"{s}^{g}^{p}",
                                 birth_date=birth.replace("-", ""), sex="M",
                                 study_date="20200105"))
    return records_frame(recs), studies_frame(studies)


def test_twins_go_to_review_not_auto() -> None:
    twin_a = _record("A", "Хасьянов", "Артём", "Рустамович", "1980-05-05")
    twin_b = _record("B", "Хасьянов", "Тимур", "Рустамович", "1980-05-05")
    study = Study("9.9.9", patient_name="KHASIANOV^TIMUR^RUSTAMOVICH", birth_date="19800505",
                  sex="M", study_date="20200105")
    records, studies = _population([twin_a, twin_b], [study])
    result = _linked(records, studies)
    assert result.loc[("B", "9.9.9"), "status"] == "auto"
    assert result.loc[("A", "9.9.9"), "status"] != "auto"


def test_exact_name_with_other_birth_date_is_never_auto() -> None:
    person = _record("N", "Щукина", "Юлия", "Ерофеевна", "1965-03-12", sex="F")
    study = Study("8.8.8", patient_name="SHCHUKINA^IULIIA^EROFEEVNA", birth_date="19700211",
                  sex="F", study_date="20200105")
    records, studies = _population([person], [study])
    row = _linked(records, studies).loc[("N", "8.8.8")]
    assert row["status"] in ("review", "")
    assert row["status"] != "auto"


def test_namesakes_with_no_birth_date_in_the_image_go_to_review() -> None:
    a = _record("X1", "Ярцев", "Глеб", "Олегович", "1950-01-01")
    b = _record("X2", "Ярцев", "Глеб", "Олегович", "1990-09-09")
    study = Study("7.7.7", patient_name="Ярцев^Глеб^Олегович", sex="M", study_date="20200105")
    records, studies = _population([a, b], [study])
    result = _linked(records, studies)
    assert set(result.loc[[("X1", "7.7.7"), ("X2", "7.7.7")], "status"]) == {"review"}


def test_decisions_override_and_unsure_is_asked_again() -> None:
    person = _record("D", "Ёлкин", "Пётр", "Ильич", "1970-07-07")
    study = Study("6.6.6", patient_name="YOLKIN^PETR^ILICH", birth_date="19700707", sex="M")
    other = Study("6.6.7", patient_name="YOLKIN^PETR", sex="M")
    records, studies = _population([person], [study, other])
    decisions = {("D", "6.6.6"): "no", ("D", "6.6.7"): "unsure"}
    result = _linked(records, studies, decisions)
    assert result.loc[("D", "6.6.6"), "status"] == "rejected"
    assert result.loc[("D", "6.6.7"), "status"] == "review"


def test_reason_is_russian_and_names_the_scheme() -> None:
    person = _record("S", "Щукина", "Юлия", "Ерофеевна", "1965-03-12", sex="F")
    study = Study("5.5.5", patient_name="SHCHUKINA^IULIIA^EROFEEVNA", birth_date="19650312",
                  sex="F", study_date="20200105")
    records, studies = _population([person], [study])
    row = _linked(records, studies).loc[("S", "5.5.5")]
    assert row["status"] == "auto"
    assert "ICAO_DOC_9303" in row["reason"]
    assert "дата рождения совпадает" in row["reason"]


def test_evaluate_counts() -> None:
    pairs = pd.DataFrame({"record_id": ["1", "2", "3"], "study_instance_uid": ["a", "b", "c"],
                          "status": ["auto", "review", "auto"]})
    truth = Truth({"a": "P1", "b": "P2", "c": "P3"}, {"a": {"latin"}, "b": set(), "c": set()},
                  {"1": "P1", "2": "P2", "3": "P9"})
    metrics = evaluate(pairs, truth, {"a", "b", "c"})
    assert metrics["true_pairs"] == 2
    assert metrics["auto_precision"] == 0.5
    assert metrics["recall_auto_review"] == 1.0
    assert metrics["review_load"] == 0.5
    assert metrics["by_category"]["latin"] == (1.0, 1)


def test_studies_sharing_patient_id_and_name_are_linked_consistently() -> None:
    person = _record("H", "Ярцев", "Глеб", "Олегович", "1950-01-01", case="4711")
    full = Study("4.4.1", patient_name="Ярцев^Глеб^Олегович", patient_id="4711",
                 birth_date="19500101", sex="M", study_date="20200105")
    bare = Study("4.4.2", patient_name="Ярцев", patient_id="4711", sex="M")
    records, studies = _population([person], [full, bare])
    result = _linked(records, studies)
    assert result.loc[("H", "4.4.2"), "score"] == result.loc[("H", "4.4.1"), "score"]
    assert result.loc[("H", "4.4.2"), "status"] == "auto"


def test_answers_do_not_tune_the_model_and_never_raise_the_questions(dataset, tables) -> None:
    records, studies, _ = tables
    first = link(records, studies, THRESHOLDS)
    truth = Truth.read(dataset.truth).true_pairs()
    reviewed = first.pairs[first.pairs["status"] == "review"]
    decisions = {(r, s): ("yes" if (r, s) in truth else "no")
                 for r, s in zip(reviewed["record_id"], reviewed["study_instance_uid"],
                                 strict=True)}
    answered = link(records, studies, THRESHOLDS, decisions)
    assert all(np.allclose(a, b) for a, b in zip(first.model.m, answered.model.m, strict=True))
    assert answered.guard.asked <= answered.guard.asked_without_answers
    assert answered.guard.new_questions == 0
    status = answered.pairs.set_index(["record_id", "study_instance_uid"])["status"]
    for key, answer in decisions.items():
        assert status[key] == ("confirmed" if answer == "yes" else "rejected")


def test_name_only_from_a_folder_is_not_enough_for_auto() -> None:
    from linkage.names.parse import parse_folder_name

    person = _record("M", "Морозова", "Ирина", "Игоревна", "", sex="F")
    anonymous = Study("3.3.3", patient_name="ANONYMOUS", birth_date="19841028",
                      study_date="20200105", name_folder="Морозова ИИ",
                      folder_name=parse_folder_name("Морозова ИИ"))
    records, studies = _population([person], [anonymous])
    row = _linked(records, studies).loc[("M", "3.3.3")]
    assert row["surname"] == [lv.label for lv in COMPARISONS[0].levels].index("exact_folder")
    assert row["status"] == "review"
    assert "названии папки" in row["attention"]


def test_the_records_names_are_spelled_ahead_of_the_link_stage(tables) -> None:
    """What the job does while it scans (linkage/run/schedule.py): the records' Cyrillic
    name words spelled in every transliteration scheme. The link stage then finds
    nearly every spelling it needs made, and links exactly as without."""
    from linkage.link.comparisons import spell_ahead
    from linkage.names import schemes
    from linkage.names.canon import has_cyrillic

    records, studies, _ = tables
    schemes.clear_cache()
    plain = link(records, studies, THRESHOLDS)
    needed = set(schemes._SPELLINGS)
    schemes.clear_cache()
    spell_ahead(records)
    ahead = set(schemes._SPELLINGS)
    assert ahead and all(has_cyrillic(w) for w in ahead)
    again = link(records, studies, THRESHOLDS)
    # left: a few of the images' own Cyrillic words (against a Latin record)
    assert len(needed - ahead) <= 0.1 * len(needed)
    pd.testing.assert_frame_equal(again.pairs, plain.pairs)


def test_a_name_read_in_the_other_order_is_asked_when_the_birth_date_agrees() -> None:
    """«DENIS^ROMAN» for the registry's Роман Денис (surname Роман): every word is a given
    name, so no reading can tell the order; the exact birth date makes it a question,
    never an automatic link."""
    person = _record("R", "Роман", "Денис", "Игоревич", "1971-03-14")
    study = Study("7.7.7", patient_name="DENIS^ROMAN", birth_date="19710314", sex="M",
                  study_date="20200105")
    records, studies = _population([person], [study])
    row = _linked(records, studies).loc[("R", "7.7.7")]
    assert (row["status"], row["decided_by"]) == ("review", "other_word_order")
