"""Retries of API calls: exponential backoff with jitter, honouring the server's ``retry-after``.

The SDKs' own retries are switched off (``max_retries=0``) so that every attempt is counted and written to the
transcript. Only transient failures (429, 408/409, 5xx, timeouts, dropped connections) are retried; when the
budget of retries is spent the call fails with ``RetriesExhausted`` — an infra error, never a model failure.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from harness.models.chat import ApiError

T = TypeVar("T")
RETRYABLE_STATUS = frozenset({408, 409, 429})


class RetriesExhausted(Exception):
    def __init__(self, last: ApiError, attempts: int) -> None:
        super().__init__(f"{last} (gave up after {attempts} attempt{'s' if attempts != 1 else ''})")
        self.last = last
        self.attempts = attempts


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 6
    base_s: float = 1.0  # first backoff; doubles per retry
    max_backoff_s: float = 60.0
    max_retry_after_s: float = 300.0  # a longer retry-after is capped at this
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def backoff(self, retry: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``retry`` (0-based): the server's ask, else 2^n with jitter."""
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, self.max_retry_after_s)
        ceiling = min(self.base_s * 2**retry, self.max_backoff_s)
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)  # "equal jitter": never 0, spreads a herd


def is_transient_status(status: int) -> bool:
    return status in RETRYABLE_STATUS or status >= 500


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from ``retry-after-ms``, ``retry-after`` (seconds or an HTTP date); None when absent."""
    if not headers:
        return None
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(float(value) / scale, 0.0)
        except ValueError:
            parsed = email.utils.parsedate_tz(value)
            if parsed is not None:
                return max(email.utils.mktime_tz(parsed) - time.time(), 0.0)
    return None


def call_with_retries(call: Callable[[], T], policy: RetryPolicy,
                      on_retry: Callable[[int, ApiError, float], None] = lambda *_: None) -> T:
    """``call()`` until it succeeds, a permanent ``ApiError`` is raised (re-raised as is), or the retries run out
    (``RetriesExhausted``). ``on_retry(attempt, error, wait_s)`` is told about every retry before the wait."""
    retry = 0
    while True:
        try:
            return call()
        except ApiError as error:
            if not error.transient:
                raise
            if retry >= policy.max_retries:
                raise RetriesExhausted(error, retry + 1) from error
            wait = policy.backoff(retry, error.retry_after)
            on_retry(retry + 1, error, wait)
            policy.sleep(wait)
            retry += 1
