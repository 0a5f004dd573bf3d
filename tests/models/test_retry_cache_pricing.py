"""Retry policy, cache keys, prices and the --max-cost budget: the pure parts, with hand-computed cases."""

import email.utils
import random
import time

import pytest

from harness.budget import Budget
from harness.errors import UserError
from harness.models.cache import ResponseCache, cache_key
from harness.models.chat import ApiError, Endpoint, TokenCount
from harness.models.pricing import Price, load_prices
from harness.models.retry import RetriesExhausted, RetryPolicy, call_with_retries, parse_retry_after
from harness.records import TrialRecord
from harness.trials import Trial


def test_retry_after_headers_in_all_their_forms():
    assert parse_retry_after({"retry-after": "3"}) == 3.0
    assert parse_retry_after({"retry-after": "1.5"}) == 1.5
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    date = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 28 <= parse_retry_after({"retry-after": date}) <= 30
    assert parse_retry_after({}) is None and parse_retry_after({"retry-after": "soon"}) is None


def test_backoff_doubles_with_jitter_and_is_capped():
    policy = RetryPolicy(base_s=1.0, max_backoff_s=8.0, rng=random.Random(1))
    for retry in range(6):
        ceiling = min(2**retry, 8.0)
        assert ceiling / 2 <= policy.backoff(retry, None) <= ceiling
    assert policy.backoff(0, 42.0) == 42.0 and RetryPolicy(max_retry_after_s=60).backoff(0, 999.0) == 60.0


def test_only_transient_errors_are_retried_and_the_budget_is_counted():
    waits = []
    policy = RetryPolicy(max_retries=2, sleep=waits.append)
    attempts = []

    def flaky():
        attempts.append(1)
        raise ApiError("HTTP 503", transient=True, status=503)

    with pytest.raises(RetriesExhausted, match="gave up after 3 attempts"):
        call_with_retries(flaky, policy)
    assert len(attempts) == 3 and len(waits) == 2

    def refused():
        raise ApiError("HTTP 400", transient=False, status=400)

    with pytest.raises(ApiError, match="400"):
        call_with_retries(refused, policy)


def test_the_cache_key_changes_with_everything_that_changes_the_answer(tmp_path):
    endpoint = Endpoint("anthropic", "m", "http://x")
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 10}
    base = cache_key(endpoint, body, "skillhash", 1)
    assert base == cache_key(endpoint, dict(reversed(body.items())), "skillhash", 1)  # order-insensitive
    variants = [cache_key(Endpoint("openai", "m", "http://x"), body, "skillhash", 1),
                cache_key(Endpoint("anthropic", "m", "http://y"), body, "skillhash", 1),
                cache_key(endpoint, {**body, "max_tokens": 11}, "skillhash", 1),
                cache_key(endpoint, {**body, "messages": []}, "skillhash", 1),
                cache_key(endpoint, {**body, "tools": [{"name": "t"}]}, "skillhash", 1),
                cache_key(endpoint, body, "otherskill", 1), cache_key(endpoint, body, "skillhash", 2)]
    assert len({base, *variants}) == 8
    cache = ResponseCache(tmp_path)
    assert cache.get(base) is None
    cache.put(base, {"content": []})
    assert cache.get(base) == {"content": []} and ResponseCache(tmp_path, read=False).get(base) is None


def test_cost_is_exact_for_the_token_counts():
    price = Price(input=3.0, output=15.0, cache_read=0.3, cache_write=3.75)
    assert price.cost(TokenCount(1_000_000, 0, 0, 0)) == 3.0
    expected = round((1800 * 3 + 235 * 15 + 3300 * 0.3 + 900 * 3.75) / 1e6, 9)
    assert price.cost(TokenCount(1800, 235, 3300, 900)) == expected


def test_the_price_table_matches_exact_ids_then_the_longest_glob(tmp_path):
    path = tmp_path / "prices.toml"
    path.write_text('[prices."openai/gpt-x"]\ninput = 1\noutput = 2\n[prices."openai/*"]\ninput = 5\noutput = 6\n'
                    '[prices."*"]\ninput = 9\noutput = 9\n')
    table = load_prices(path)
    assert table.lookup("openai/gpt-x").input == 1 and table.lookup("openai/other").input == 5
    assert table.lookup("anthropic/y").input == 9
    path.write_text('[prices."m"]\ninput = 1\n')
    with pytest.raises(UserError, match="needs input and output"):
        load_prices(path)


def test_the_shipped_price_table_loads_and_prices_the_default_models():
    from harness.models.settings import default_models

    table = load_prices()
    for model in default_models(("anthropic", "openai")):
        assert table.lookup(model) is not None, model
    assert table.lookup("openai-compatible/anything").output == 0.0


def trial(n: int, model: str = "m", arm: str = "none") -> Trial:
    return Trial(f"t{n}", "c", model, arm, None, None, 1, "h")


def record(cost: float, spent: float | None = None) -> TrialRecord:
    return TrialRecord.from_json({"trial_id": "t", "key": "t", "task_id": "t", "model": "m", "arm": "none",
                                  "status": "ok", "usage": {"cost_usd": cost, "spent_usd": cost if spent is None
                                                            else spent}})


def test_the_budget_admits_while_spent_plus_committed_plus_the_next_estimate_fit():
    trials = [trial(n) for n in range(5)]
    stops = []
    budget = Budget.for_trials(1.0, trials, {t.key: 0.3 for t in trials}, set(), stops.append)
    keys = [t.key for t in trials]
    assert [budget.admit(k, {}) for k in keys[:4]] == [True, True, True, False]  # 0.9 committed; 1.2 > 1.0
    assert budget.committed_usd == pytest.approx(0.9) and stops == [budget]
    # once it has refused, it refuses every new trial, even when finished trials turn out cheaper
    assert budget.admit(keys[3], {keys[0]: record(0.01), keys[1]: record(0.01), keys[2]: record(0.01)}) is False


def test_the_budget_learns_from_finished_trials_and_ignores_earlier_invocations():
    trials = [trial(n) for n in range(4)]
    keys = [t.key for t in trials]
    budget = Budget.for_trials(1.0, trials, {k: 0.6 for k in keys}, {keys[3]}, lambda b: None)
    assert budget.admit(keys[3], {keys[3]: record(5.0)})  # recorded before this invocation: free, not counted
    assert budget.admit(keys[0], {})
    records = {keys[0]: record(0.1, spent=0.1), keys[3]: record(5.0)}
    assert budget.estimate(keys[1], records) == pytest.approx(0.1)  # observed mean replaces the prior
    assert budget.admit(keys[1], records) and budget.spent_usd == pytest.approx(0.1)


def test_cached_responses_cost_nothing_against_the_budget():
    trials = [trial(n) for n in range(3)]
    keys = [t.key for t in trials]
    budget = Budget.for_trials(0.5, trials, {k: 0.4 for k in keys}, set(), lambda b: None)
    assert budget.admit(keys[0], {})
    records = {keys[0]: record(0.4, spent=0.0)}  # a rerun: every response came from the cache
    assert budget.admit(keys[1], records) and budget.spent_usd == 0.0
