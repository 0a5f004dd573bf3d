"""Offline pseudo-models: ``reference`` returns the task's reference solution (the harness's own sanity
check: every task must pass with it), ``mutant:<name>`` returns one of a task's known-bad solutions,
``alternative:<name>`` one of its independently written correct solutions, and ``dir:<path>`` any folder of
files laid over the starting app (what ``python run_eval.py grade`` grades)."""

from __future__ import annotations

from pathlib import Path

from harness.models.base import Generation, GenerationRequest

DECLARATIONS = frozenset({"mutant.toml", "alternative.toml"})  # describe a solution; never part of it
SKIPPED_DIRS = frozenset({"__pycache__", ".pytest_cache", ".git", ".venv", ".mypy_cache", ".ruff_cache"})


def read_tree(root: Path, errors: str = "strict") -> dict[str, str]:
    """Text files under ``root`` by relative path, skipping caches and solution declarations; a missing folder
    reads as empty. The one reader of a file tree: starting apps, solutions, and (``errors="replace"``: it is
    never refused) the generated workspace that travels to grading (``harness.transport``)."""
    if not root.is_dir():
        return {}
    files = {}
    for file in sorted(root.rglob("*")):
        rel = file.relative_to(root)
        if file.is_file() and not SKIPPED_DIRS & set(rel.parts) and file.name not in DECLARATIONS:
            files[rel.as_posix()] = file.read_text(errors=errors)
    return files


class ReferenceModel:
    id = "reference"

    def generate(self, request: GenerationRequest) -> Generation:
        files = dict(request.files)
        files.update(read_tree(request.task.reference_dir))
        return Generation(files, [{"role": "assistant", "content": "(reference solution)"}])


class MutantModel:
    """The reference with one mutant laid over it; a task without that mutant gets the reference."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.id = f"mutant:{name}"

    def generate(self, request: GenerationRequest) -> Generation:
        files = dict(request.files)
        files.update(read_tree(request.task.reference_dir))
        mutant = next((m for m in request.task.mutants if m.name == self.name), None)
        if mutant is None:
            return Generation({}, error=f"task {request.task.id} has no mutant {self.name!r}",
                              error_kind="model_error")
        files.update(read_tree(mutant.path))
        return Generation(files, [{"role": "assistant", "content": f"(mutant {self.name})"}])


class AlternativeModel:
    """One of the task's alternatives (``tasks/<id>/alternatives/<name>/``) laid over the starting app."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.id = f"alternative:{name}"

    def generate(self, request: GenerationRequest) -> Generation:
        alternative = next((a for a in request.task.alternatives if a.name == self.name), None)
        if alternative is None:
            return Generation({}, error=f"task {request.task.id} has no alternative {self.name!r}",
                              error_kind="model_error")
        files = dict(request.files)
        files.update(read_tree(alternative.path))
        return Generation(files, [{"role": "assistant", "content": f"(alternative {self.name})"}])


class DirModel:
    """A folder of files (a solver's output, a hand-written fix) laid over the task's starting app."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.id = f"dir:{path}"

    def generate(self, request: GenerationRequest) -> Generation:
        if not self.path.is_dir():
            return Generation({}, error=f"{self.path}: not a directory", error_kind="model_error")
        files = dict(request.files)
        files.update(read_tree(self.path))
        return Generation(files, [{"role": "assistant", "content": f"(files of {self.path})"}])
