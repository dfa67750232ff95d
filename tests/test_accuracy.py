"""Accuracy against the sample world's ground truth: nobody gets another person's records,
and everybody gets all of their own that their e-mail or phone can find.

Every person of a small world (scale 0.2: 600 people, among them families sharing an
e-mail, children under 15 on a guardian's e-mail, namesakes and people known only by a
mobile number) asks every controller, and every system is searched the way the flow does
(``bench.accuracy.evaluate`` runs ``dsar.search.findings``, the pipeline the flow stages;
no Prefect, no store).

*Findable*, precisely: a ground-truth record of person P (a row of ``ground_truth.csv`` with
P's ``person_id``) is findable when it holds P's canonical e-mail or phone from
``people.csv`` — in any spelling ``dsar.identity`` normalises back to it — in a column the
configuration declares as an e-mail or phone identity, or when it is reached from such a
record by a reference the configuration declares (orders → lines, a ticket's show, a
contact's company). The generator writes every record of a person that way: no record
belongs to anyone only through a name (sample_data/README.md, "What it writes"), so every
ground-truth row of the people asked is findable and there is nothing out of scope to
subtract. A findable record held back as a weak match counts as found (it waits for a
decision), not as a miss.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.accuracy import Evaluation, evaluate, report

SCALE = 0.2


@pytest.fixture(scope="module")
def accuracy(tmp_path_factory: pytest.TempPathFactory) -> Evaluation:
    from sample_data.generate import build_world

    root: Path = tmp_path_factory.mktemp("accuracy")
    build_world(root, scale=SCALE, seed=2026)
    return evaluate(root)


def test_no_record_of_another_person_is_released(accuracy: Evaluation) -> None:
    total = accuracy.total
    assert total.released_foreign == 0, report(accuracy)


def test_every_findable_record_is_found(accuracy: Evaluation) -> None:
    total = accuracy.total
    assert total.truth > 0
    assert total.missed == 0, report(accuracy)
    assert total.found_own == total.truth


def test_other_peoples_records_found_are_held_or_excluded(accuracy: Evaluation) -> None:
    """The world has the hard cases, and the weak-match rules are what stop them: another
    first name or birth date excludes a record (clearly somebody else's), a name alone holds
    one for staff."""
    from dsar.matching import REASONS

    held, excluded = accuracy.total.held_foreign, accuracy.total.excluded_foreign
    assert held["name_only"] > 0, report(accuracy)
    assert excluded["name_differs"] > 0, report(accuracy)
    assert set(held) <= set(REASONS) and set(excluded) <= set(REASONS)
    assert accuracy.total.released_foreign == 0
    relations = accuracy.excluded_foreign_by_relation
    assert relations["child (guardian's e-mail)"] > 0
    assert relations["shares e-mail (family or guardian)"] > 0
    # A namesake's records are found by name alone, and wait for a person.
    assert held["name_only"] > 0 and accuracy.held_foreign_by_relation["namesake"] > 0


def test_every_hard_case_gets_all_of_their_own(accuracy: Evaluation) -> None:
    """Phone-only people, children, families and namesakes each get everything that is theirs."""
    truth = accuracy.truth_by_relation
    assert set(truth) == {
        "none", "phone only", "namesake", "child (guardian's e-mail)", "shares e-mail (family or guardian)"
    }
    for relation, records in truth.items():
        found = accuracy.released_own_by_relation[relation] + accuracy.held_own_by_relation[relation]
        assert records > 0 and found == records, (relation, report(accuracy))
