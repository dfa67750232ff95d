"""Mail accuracy on a small sample world: every person's messages released, no stranger's
released without review, every third party's e-mail and phone blacked out, every one of the
person's own kept (what ``python -m bench.mail_accuracy`` reports at scale 1)."""

from __future__ import annotations

import pytest

from bench.mail_accuracy import evaluate, report


@pytest.fixture(scope="module")
def accuracy(tmp_path_factory: pytest.TempPathFactory):
    from sample_data.generate import build_world

    world = build_world(tmp_path_factory.mktemp("mail-accuracy"), scale=0.1)
    return evaluate(world.workspace)


def test_recall_of_the_persons_messages(accuracy):
    assert accuracy.truth > 100 and accuracy.recall >= 0.995, report(accuracy)


def test_no_strangers_message_is_released_without_review(accuracy):
    assert accuracy.released_foreign == 0, report(accuracy)
    assert accuracy.held_foreign > 0  # name-only mentions and shared addresses were held


def test_third_parties_are_blacked_out_and_the_persons_own_kept(accuracy):
    assert accuracy.third_party > 100 and accuracy.blacked_out >= 0.99, report(accuracy)
    assert accuracy.own > 100 and accuracy.own_surviving == 1.0, report(accuracy)
