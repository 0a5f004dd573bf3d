"""The response cache: every API response on disk, keyed by everything that changes it.

The key hashes the endpoint (provider, model, base URL), the whole wire request (parameters, system prompt,
messages, tools), the skill's content hash and the epoch. Rerunning the same configuration therefore replays
every conversation from disk and makes no API call; a new epoch asks the model again. Entries are written
atomically (temp file + rename), so concurrent trials and a killed run never leave a torn entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from harness.models.chat import Endpoint

KEY_VERSION = 1


def cache_key(endpoint: Endpoint, body: dict[str, Any], skill_hash: str | None, epoch: int) -> str:
    material = {"v": KEY_VERSION, "endpoint": asdict(endpoint), "body": body, "skill": skill_hash, "epoch": epoch}
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class ResponseCache:
    def __init__(self, root: Path, *, read: bool = True) -> None:
        self.root = Path(root)
        self.read = read  # False (--no-cache): always call the API, still store the fresh response

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        if not self.read:
            return None
        try:
            return json.loads(self._path(key).read_text())["response"]
        except (OSError, ValueError, KeyError):
            return None

    def put(self, key: str, response: dict[str, Any]) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "w") as out:
            json.dump({"key": key, "response": response}, out)
        os.replace(tmp, path)
