"""The house's one-way arrows: ``graders/`` grades any workspace and never imports the harness, and the model
package (``harness/models/``) imports nothing of the harness above it: its requests, responses and errors are
its own records."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def imported(path: Path) -> set[str]:
    """Every module an import statement in ``path`` names, at any depth (function-level imports too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_graders_never_import_the_harness():
    modules = sorted((REPO / "graders").rglob("*.py"))
    assert len(modules) > 10  # the walk found the package
    upward = {str(p.relative_to(REPO)): sorted(n for n in imported(p) if n == "harness" or n.startswith("harness."))
              for p in modules}
    assert {p: names for p, names in upward.items() if names} == {}


def test_the_model_package_imports_nothing_above_it():
    modules = sorted((REPO / "harness" / "models").rglob("*.py"))
    assert len(modules) > 8
    upward = {str(p.relative_to(REPO)): sorted(n for n in imported(p) if (n == "harness" or n.startswith("harness."))
                                               and not (n == "harness.models" or n.startswith("harness.models.")))
              for p in modules}
    assert {p: names for p, names in upward.items() if names} == {}


def test_the_walk_sees_a_function_level_import(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from harness.config import REPO\n    import harness.models\n")
    assert imported(probe) == {"harness.config", "harness.models"}
