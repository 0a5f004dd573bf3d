"""Single-shot answers: whole files in fenced code blocks, parsed robustly.

The model is asked for ```` ```python path=app.py ````, but models write the path in many places; all of these
name a file: the info string (``path=``, ``file=``, ``filename=``, ``title="..."``, ``python:app.py``, a bare
``app.py``), a line just before the fence (``**app.py**``, ``### app.py``, ``File: app.py``, or prose naming
one path in backticks: "Here is `app.py`:"),
or a first-line comment inside the block (``# app.py``, ``# File: app.py``). Fences may use 3+ backticks or
tildes and contain shorter fences. An unterminated block (a truncated answer) is dropped. A block without a
path is used only when the workspace has exactly one file and the answer has exactly one block.
"""

from __future__ import annotations

import posixpath
import re

from harness.models.chat import ModelOutputError

OPEN = re.compile(r"^[ \t]{0,3}(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*?)[ \t]*$")
PATH = r"[A-Za-z0-9_.\-][A-Za-z0-9_.\-/]*\.[A-Za-z0-9]+"
INFO_KEYED = re.compile(r"""(?:path|file|filename|title|name)\s*[=:]\s*["']?(?P<path>[^"'\s]+)""", re.I)
INFO_COLON = re.compile(rf"^[A-Za-z0-9+#-]+:(?P<path>{PATH})$")
BARE = re.compile(rf"^(?P<path>{PATH})$")
BEFORE = re.compile(rf"^\s*(?:#+\s*|[-*]\s*)?(?:\*\*|__)?(?:(?:file|path|filename)\s*:\s*)?(?:\*\*|__)?`?"
                    rf"(?P<path>{PATH})`?(?:\*\*|__)?\s*:?\s*(?:\*\*|__)?\s*$", re.I)
BACKTICKED = re.compile(rf"`(?P<path>{PATH})`")
FIRST_LINE = re.compile(rf"^\s*(?:#|//|--)\s*(?:(?:file|path|filename)\s*:\s*)?(?P<path>{PATH})\s*$", re.I)
LANGUAGES = {"python", "py", "python3", "toml", "text", "txt", "bash", "sh", "shell", "json", "yaml", "yml", "ini",
             "diff", "sql", "markdown", "md", "cfg", "console", "plaintext"}


def clean_path(path: str) -> str | None:
    """A safe relative path, or None (absolute paths, ``..`` and empty names are refused)."""
    path = path.strip().strip("`'\"").replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    if not path or path.startswith("/") or "\0" in path:
        return None
    normal = posixpath.normpath(path)
    if normal in (".", "..") or normal.startswith("../"):
        return None
    return normal


def _info_path(info: str) -> str | None:
    if not info:
        return None
    keyed = INFO_KEYED.search(info)
    if keyed:
        return keyed.group("path")
    for token in info.split():
        colon = INFO_COLON.match(token)
        if colon:
            return colon.group("path")
        if token.lower() not in LANGUAGES and BARE.match(token):
            return token
    return None


def _blocks(text: str) -> list[tuple[str | None, str]]:
    """``(path or None, content)`` of every terminated fenced block, in order."""
    lines = text.splitlines()
    out: list[tuple[str | None, str]] = []
    i = 0
    while i < len(lines):
        opening = OPEN.match(lines[i])
        if not opening:
            i += 1
            continue
        fence = opening.group("fence")
        close = re.compile(rf"^[ \t]{{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = next((j for j in range(i + 1, len(lines)) if close.match(lines[j])), None)
        if end is None:
            break  # unterminated: a truncated answer; what came before still counts
        body = lines[i + 1:end]
        path = _info_path(opening.group("info"))
        if path is None:
            before = next((lines[j] for j in range(i - 1, max(i - 3, -1), -1) if lines[j].strip()), "")
            match = BEFORE.match(before)
            path = match.group("path") if match and match.group("path").lower() not in LANGUAGES else None
            quoted = BACKTICKED.findall(before)
            if path is None and len(quoted) == 1:  # "Here is the updated `app.py`:"
                path = quoted[0]
        if path is None and body:
            match = FIRST_LINE.match(body[0])
            path = match.group("path") if match else None
        out.append((path, "\n".join(body) + "\n"))
        i = end + 1
    return out


def parse_files(text: str, workspace: dict[str, str]) -> dict[str, str]:
    """The files an answer gives (path -> full content); later blocks for a path win. Raises
    ``ModelOutputError`` (with the raw answer) when no file can be read from it."""
    blocks = _blocks(text)
    files: dict[str, str] = {}
    for path, content in blocks:
        if path is None:
            continue
        clean = clean_path(path)
        if clean is None:
            raise ModelOutputError(f"the answer names an unsafe path: {path!r}", text)
        files[clean] = content
    if not files and len(blocks) == 1 and len(workspace) == 1:
        files[next(iter(workspace))] = blocks[0][1]
    if not files:
        what = "no fenced code block" if not blocks else "no fenced code block names its file"
        raise ModelOutputError(f"single-shot answer unusable: {what}", text)
    return files
