"""Finding the Python files to check and parsing them into a Program."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath

from graders.rules.names import Resolver
from graders.rules.program import Module, Program

SKIPPED_DIRS = frozenset({"__pycache__", "venv", "node_modules", "site-packages"})


def python_files(directory: Path) -> Iterator[Path]:
    """*.py under `directory`, sorted, skipping hidden folders, virtualenvs and caches."""
    for path in sorted(directory.iterdir()):
        if path.name.startswith(".") or path.name in SKIPPED_DIRS:
            continue
        if path.is_dir():
            yield from python_files(path)
        elif path.suffix == ".py" and path.is_file():
            yield path


def is_excluded(relative: str, exclude: Sequence[str]) -> bool:
    """Whether a posix relative path is one of, or under one of, the `exclude` prefixes."""
    parts = PurePosixPath(relative).parts
    for prefix in exclude:
        wanted = PurePosixPath(prefix.strip("/")).parts
        if wanted and parts[: len(wanted)] == wanted:
            return True
    return False


def load_program(files: Sequence[tuple[Path, str]]) -> tuple[Program, list[str]]:
    """Parse `(file, display path)` pairs; unparsable files become error lines, the rest a Program."""
    modules, errors = [], []
    for file, shown in files:
        try:
            tree = ast.parse(file.read_bytes(), filename=shown)
        except SyntaxError as exc:
            errors.append(f"{shown}:{exc.lineno or 0}: syntax error: {exc.msg}")
            continue
        except (OSError, ValueError) as exc:
            errors.append(f"{shown}:0: cannot parse: {exc}")
            continue
        modules.append(_module(shown, tree))
    return Program(modules), errors


def _module(shown: str, tree: ast.Module) -> Module:
    path = PurePosixPath(shown)
    parts = list(path.parts[1:] if path.is_absolute() else path.parts)
    if path.is_absolute() or ".." in parts:
        parts = [path.name]
    parts[-1] = parts[-1].removesuffix(".py")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    name = ".".join(parts)
    file_name = path.name
    is_pytest = file_name.startswith("test_") or file_name.endswith("_test.py") or file_name == "conftest.py"
    is_test = is_pytest or any(p in ("tests", "test") for p in path.parts[:-1])
    nodes = list(ast.walk(tree))
    resolver = Resolver(name, tree, nodes, is_package=is_package)
    return Module(shown, name, tree, resolver, is_test=is_test, is_pytest=is_pytest, nodes=nodes)
