"""Print the architecture figures of issue 14: lines of harness/, import cycles, upward arrows, dict-key accesses.

Run: python benchmarks/architecture_figures.py
Upward arrows are graders -> harness and harness.models -> harness (outside harness.models) edges, counting
imports inside functions too (a function-level import is still an arrow).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("harness", "graders")


def modules() -> dict[str, Path]:
    found = {}
    for pkg in PACKAGES:
        for path in sorted((REPO / pkg).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def edges(mods: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [base] + [f"{base}.{a.name}" for a in node.names]
            for target in targets:
                while target and target not in mods:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), ignoring package->submodule edges."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(10000)

    def real(a: str, b: str) -> bool:
        return not b.startswith(a + ".")  # a package importing its own submodule is not an arrow back

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if not real(v, w):
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def upward(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    up = []
    for a, targets in graph.items():
        for b in targets:
            if a.startswith("graders") and b.startswith("harness"):
                up.append((a, b))
            if a.startswith("harness.models") and b.startswith("harness") and not b.startswith("harness.models"):
                up.append((a, b))
    return sorted(up)


def main() -> None:
    mods = modules()
    graph = edges(mods)
    harness_files = [p for m, p in mods.items() if m.startswith("harness")]
    lines = sum(len(p.read_text().splitlines()) for p in harness_files)
    text = "\n".join(p.read_text() for p in harness_files)
    keyed = len(re.findall(r"\b(?:r|trial|record|rec|row)\[\s*[\"']", text))
    print(f"harness/ lines: {lines} in {len(harness_files)} modules")
    found = cycles(graph)
    print(f"import cycles: {len(found)}")
    for comp in found:
        print("  " + " <-> ".join(comp))
    up = upward(graph)
    print(f"upward arrows (graders->harness, models->harness): {len(up)}")
    for a, b in up:
        print(f"  {a} -> {b}")
    print(f"dict-key accesses r[...]/trial[...]/record[...]/rec[...]/row[...] in harness/: {keyed}")
    r_keys = len(re.findall(r"\br\[\s*[\"']", text))
    trial_keys = len(re.findall(r"\btrial\[", text))
    print(f"  of which r[\"...\"]: {r_keys}, trial[...]: {trial_keys}")

if __name__ == "__main__":
    main()
