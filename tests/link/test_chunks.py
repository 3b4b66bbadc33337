"""The link stage in chunks of studies (docs/architecture.md, "Memory that does not
grow"): the blocker gives any studies' pairs, the result is the same for any chunk
size, and no rule gives a status to a pair outside `within_reach`."""

import numpy as np
import pandas as pd
import pytest

from linkage.config import load_settings
from linkage.images.scan import scan
from linkage.images.studies import group_studies
from linkage.link.blocking import Blocker, candidate_pairs
from linkage.link.coded import positions
from linkage.link.evaluate import Truth
from linkage.link.identity import records_frame, studies_frame
from linkage.link.persons import person_key
from linkage.link.pipeline import link, study_chunks
from linkage.link.rescue import _folder_evidence
from linkage.link.scoring import compare_levels, fit, harmonise_groups, score
from linkage.link.status import Context, answered_groups, decide, within_reach
from linkage.records.read import read_export
from linkage.store import Store
from linkage.synth import generate

THRESHOLDS = load_settings().thresholds


@pytest.fixture(scope="module")
def hard(tmp_path_factory):
    """400 persons, a fifth of them namesakes, twins and near birth dates."""
    data = generate(tmp_path_factory.mktemp("hard") / "data", persons=400, seed=29, hard=0.2)
    with Store(tmp_path_factory.mktemp("state") / "s.sqlite") as store:
        studies = group_studies(scan(data.images, store, workers=1, progress=False).instances)
    return records_frame(read_export(data.export).records), studies_frame(studies), \
        Truth.read(data.truth)


@pytest.fixture(scope="module")
def answers(hard):
    """Answers a clinician could give: «да» to true pairs, «нет» to false ones, «не
    знаю», and one answer whose record changed since (stale)."""
    records, studies, truth = hard
    result = link(records, studies, THRESHOLDS)
    asked = result.pairs[result.pairs["status"] == "review"]
    keys = list(zip(asked["record_id"], asked["study_instance_uid"], strict=True))
    true = truth.true_pairs()
    decisions = {}
    for i, key in enumerate(keys[:60]):
        decisions[key] = "unsure" if i % 7 == 0 else ("yes" if key in true else "no")
    # answers about an image person with several studies: they decide the other pairs
    pairs, _ = candidate_pairs(records, studies)
    persons = person_key(records).reindex(pairs.get_level_values(0)).to_numpy()
    images = studies["image_person"].reindex(pairs.get_level_values(1)).fillna("").to_numpy()
    groups = pd.Series(persons + "#" + images)[images != ""]
    shared = groups[groups.duplicated(keep=False)]
    first = shared.drop_duplicates().index
    for i in [i for i in first if pairs[i] in true][:6] + [i for i in first
                                                          if pairs[i] not in true][:3]:
        decisions.setdefault(pairs[i], "yes" if pairs[i] in true else "no")
    stale = {keys[1]} if len(keys) > 1 else set()
    return decisions, stale


def test_the_blocker_gives_any_studies_pairs(hard) -> None:
    records, studies, _ = hard
    blocker = Blocker(records, studies)
    every = blocker.pairs()
    rng = np.random.default_rng(3)
    parts = np.array_split(rng.permutation(len(studies)), 9)
    together = np.sort(np.concatenate([blocker.pairs(part) for part in parts]))
    assert np.array_equal(together, every)
    assert (blocker.pairs_per_study() >= np.bincount(every % len(studies),
                                                     minlength=len(studies))).all()


def test_one_surname_is_never_split_between_chunks(hard) -> None:
    records, studies, _ = hard
    chunks = study_chunks(studies, Blocker(records, studies).pairs_per_study(), 500)
    assert len(chunks) > 5
    assert np.array_equal(np.sort(np.concatenate(chunks)), np.arange(len(studies)))
    surname = studies["surname_canon"].fillna("").to_numpy()
    owner: dict[str, int] = {}
    for number, chunk in enumerate(chunks):
        for name in set(surname[chunk]) - {""}:
            assert owner.setdefault(name, number) == number, name


@pytest.mark.parametrize("pairs_per_chunk", [25, 300, 5_000])
def test_the_result_is_the_same_for_any_chunk_size(hard, answers, pairs_per_chunk) -> None:
    records, studies, _ = hard
    decisions, stale = answers
    whole = link(records, studies, THRESHOLDS, decisions, stale, pairs_per_chunk=10**12)
    chunked = link(records, studies, THRESHOLDS, decisions, stale,
                   pairs_per_chunk=pairs_per_chunk)
    pd.testing.assert_frame_equal(chunked.pairs, whole.pairs)
    pd.testing.assert_frame_equal(chunked.cleared, whole.cleared)
    assert np.array_equal(chunked.histogram, whole.histogram)
    assert chunked.guard == whole.guard and chunked.blocking == whole.blocking
    assert chunked.model.prior == whole.model.prior
    for a, b in zip(chunked.model.m, whole.model.m, strict=True):
        assert np.array_equal(a, b)
    assert set(whole.pairs["status"]) >= {"auto", "review", "confirmed", "rejected"}
    assert whole.histogram.sum() == whole.blocking.pairs + len(
        set(decisions) - set(zip(*_blocked_ids(records, studies), strict=True)))


def test_no_rule_gives_a_status_outside_reach(hard, answers) -> None:
    """Decided over every candidate pair, as the link stage did before it kept only the
    pairs within reach, with the scores of a random two fifths of the pairs pushed
    below the review threshold (reach must hold whatever the scores): each pair outside
    reach ends with no status, and the link stage gives the others the same status."""
    records, studies, _ = hard
    decisions, stale = answers
    pairs, _ = candidate_pairs(records, studies)
    pairs = pairs.union(pd.MultiIndex.from_tuples(list(decisions), names=pairs.names))
    levels = compare_levels(pairs, records, studies)
    model = fit(records, studies, levels)
    scored = harmonise_groups(score(model, levels, records), studies)
    persons = person_key(records)
    record_at, study_at = positions(pairs, 0, records.index), positions(pairs, 1, studies.index)
    number = record_at * len(studies) + study_at
    person_codes, image_codes, groups = answered_groups(decisions, stale, records, studies,
                                                        persons)
    group = person_codes[record_at] * (image_codes.max() + 1) + image_codes[study_at]
    in_group = (image_codes[study_at] >= 0) & np.isin(group, list(groups))
    decided = np.isin(number, [records.index.get_loc(r) * len(studies) +
                               studies.index.get_loc(s) for r, s in decisions])
    ctx = Context(scored, records, studies, THRESHOLDS, model.comparisons, persons=persons)
    # low scores where only reach's other ways can lead: the pairs that answers decide,
    # and a random two fifths of the rest
    low = (np.random.default_rng(5).random(len(scored)) < 0.4) | (in_group & ~decided) \
        | (decided & (np.arange(len(scored)) % 2 == 0))
    scored.loc[low, "score"] = THRESHOLDS.review * 0.5
    scored.loc[low, "weight"] = -1.0
    everything = decide(Context(scored, records, studies, THRESHOLDS,
                                model.comparisons, decisions, stale, persons))
    reach = within_reach(ctx, decided, in_group)
    below = scored["score"].to_numpy() < THRESHOLDS.review
    # every way into reach is met by pairs that no score brings there
    assert (below & _folder_evidence(ctx)).any()
    assert (below & decided).any() and (below & in_group & ~decided).any()
    assert reach.mean() < 0.5                    # most candidates are out of reach
    status = everything["status"].to_numpy()
    assert (status[~reach] == "").all()
    # (the folder's pairs brought low here all end without a status again: a better
    # pair exists)
    for way in (decided, in_group & ~decided):
        assert (status[reach & below & way] != "").any()
    from linkage.link.pipeline import _decide

    kept, _ = _decide(scored[reach], records, studies, THRESHOLDS, model.comparisons,
                      decisions, stale, persons)
    assert (kept["status"].to_numpy() == status[reach]).all()
    assert (kept["decided_by"].to_numpy() == everything["decided_by"].to_numpy()[reach]).all()


def _blocked_ids(records, studies):
    pairs, _ = candidate_pairs(records, studies)
    return pairs.get_level_values(0), pairs.get_level_values(1)
