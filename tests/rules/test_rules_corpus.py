"""Every labeled case of tests/rules_corpus/ gets exactly its expected rule ids (lines are not compared).

A case with `known_gap` in its expected.toml documents a miss and is expected to fail.
"""

import pytest

from benchmarks.rules_precision_recall import corpus_cases, reported_rules

CASES = list(corpus_cases())


def test_corpus_is_not_empty():
    assert len(CASES) >= 50


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case_reports_exactly_its_labeled_rules(case):
    if case.known_gap:
        pytest.xfail(case.known_gap)
    assert reported_rules(case) == set(case.expected)
