"""What travels between machines in a distributed run: a trial's files, through DBOS step outputs.

A step that runs on another executor than the trial's coordinator (a ``worker`` on another machine) keeps
its files in a scratch folder of its own and returns them in its output: the generated workspace (always:
grading may run anywhere; read by ``harness.models.read_tree``), and the transcript or the grading logs
("shipped"). The coordinator's trial workflow writes shipped files into ``results/runs/<run_id>/trials/<trial>/``
before it records the trial, so the results folder looks the same whether one machine ran the trial or three did.
Logs are capped by the sandbox (4 MB); shipped text is cut to ``SHIP_LIMIT`` per file.
"""

from __future__ import annotations

from pathlib import Path

SHIP_LIMIT = 1024 * 1024


def pack(trial_dir: Path, names: list[str]) -> dict[str, str]:
    """Files (or every file of folders) under ``trial_dir`` named by ``names``, as text, each at most
    ``SHIP_LIMIT`` characters (the end is kept: that is where a log says what went wrong)."""
    shipped = {}
    for name in names:
        path = trial_dir / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                text = file.read_text(errors="replace")
                if len(text) > SHIP_LIMIT:
                    text = f"[cut: the first {len(text) - SHIP_LIMIT} characters]\n" + text[-SHIP_LIMIT:]
                shipped[file.relative_to(trial_dir).as_posix()] = text
    return shipped


def unpack(trial_dir: Path, shipped: dict[str, str]) -> None:
    """Write shipped files under ``trial_dir`` (a path leading outside it is ignored)."""
    root = trial_dir.resolve()
    for rel, text in shipped.items():
        target = (trial_dir / rel).resolve()
        if not target.is_relative_to(root):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
