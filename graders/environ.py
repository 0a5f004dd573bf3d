"""The environment of every helper process the harness starts (Postgres, initdb, pip, migrations): only what
it needs to run, never the harness's own variables (API keys, tokens, cloud credentials)."""

from __future__ import annotations

import os
from collections.abc import Iterable

BASE = ("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR")
NETWORK = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "SSL_CERT_FILE",
           "SSL_CERT_DIR", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_TRUSTED_HOST", "PIP_CERT")


def helper_env(keep: Iterable[str] = (), **extra: str) -> dict[str, str]:
    """``PATH`` and the locale from our environment, the names in ``keep`` if set, then ``extra``."""
    env = {k: os.environ[k] for k in (*BASE, *keep) if k in os.environ}
    env.setdefault("PATH", "/usr/bin:/bin")
    env.setdefault("LANG", "C.UTF-8")
    env.update(extra)
    return env
