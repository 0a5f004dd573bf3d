"""Offline pseudo-models: ``reference`` returns the task's reference solution (the harness's own sanity
check: every task must pass with it), ``mutant:<name>`` returns one of a task's known-bad solutions."""

from __future__ import annotations

from pathlib import Path

from harness.models.base import Generation, GenerationRequest


def read_tree(root: Path) -> dict[str, str]:
    """Text files under ``root`` by relative path (skipping caches and mutant declarations)."""
    files = {}
    for file in sorted(root.rglob("*")):
        if file.is_file() and "__pycache__" not in file.parts and file.name != "mutant.toml":
            files[file.relative_to(root).as_posix()] = file.read_text()
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
