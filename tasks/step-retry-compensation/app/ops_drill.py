"""The ops team's crash drill for our fake external services. Do not modify.

``crash()`` kills this process the way a power cut would (SIGKILL), but only at a point where no call to
an external service is half-done: calls already in progress finish first, calls not yet started never
start.
"""

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_cond = threading.Condition()
_in_flight = 0
_dying = False


@contextmanager
def external_call() -> Iterator[None]:
    """Wrap one call to an external service."""
    global _in_flight
    with _cond:
        while _dying:  # the process is about to die: this call never happens
            _cond.wait()
        _in_flight += 1
    try:
        yield
    finally:
        with _cond:
            _in_flight -= 1
            _cond.notify_all()


def crash() -> None:
    global _dying
    with _cond:
        _dying = True
        _cond.wait_for(lambda: _in_flight == 0)
    time.sleep(0.3)  # the callers of the finished calls get to record them
    os.kill(os.getpid(), signal.SIGKILL)
