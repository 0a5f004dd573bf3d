"""The ops team's crash drill, shared by our service clients. Do not modify.

``CDN_CRASH_ON_CALL=N`` makes the machine die just before the Nth CDN upload. Like a real box going down, it
first stops taking new calls (any call from then on never starts), gives the calls already under way a moment
to finish and be answered, then the process is killed (SIGKILL).
"""

import os
import signal
import threading
import time

_lock = threading.Lock()
_going_down = threading.Event()
_counts: dict[str, int] = {}


def before_call(crash_env: str | None = None) -> None:
    """Call before every outside call; ``crash_env`` names the variable that counts this kind of call."""
    if _going_down.is_set():
        threading.Event().wait()  # never returns: the machine is going down
    if crash_env is None:
        return
    with _lock:
        _counts[crash_env] = _counts.get(crash_env, 0) + 1
        crash = _counts[crash_env] == int(os.environ.get(crash_env, "0") or 0)
        if crash:
            _going_down.set()
    if crash:
        time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGKILL)
