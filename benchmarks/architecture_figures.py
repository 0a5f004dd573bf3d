"""Print the architecture figures of issue 14: lines of harness/, import cycles, upward arrows, the places a new
``run`` flag must be added, and dict-key accesses on trial records.

Run: python benchmarks/architecture_figures.py [--rev 860e88c]   (--rev: the figures of that commit's tree)

- Upward arrows are graders -> harness and harness.models -> harness (outside harness.models) edges, counting
  imports inside functions too (a function-level import is still an arrow).
- Places a new ``run`` flag must be added: the functions and class bodies of harness/ that name (as an
  identifier, keyword, parameter, attribute or string) at least 80% of the ``run`` subcommand's flag dests —
  the places that enumerate every flag, so a new flag is one more line in each. The dests come from that
  tree's own ``build_parser()``.
- Dict-key accesses: ``r["..."]``/``record["..."]``/``rec["..."]``/``trial[...]`` (trial-record and trial
  dicts; parsing a JSON row in records.py counts too), and ``.get("...")`` on those names.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("harness", "graders")


def modules(root: Path) -> dict[str, Path]:
    found = {}
    for pkg in PACKAGES:
        for path in sorted((root / pkg).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
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


def run_flag_dests(root: Path) -> list[str]:
    """The ``run`` subcommand's flag dests, from the tree's own parser (in a subprocess: another tree's code)."""
    code = ("import json, argparse; from harness.cli import build_parser; p = build_parser(); "
            "sub = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction)); "
            "print(json.dumps([a.dest for a in sub.choices['run']._actions if a.dest != 'help']))")
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _names(nodes: list[ast.stmt]) -> set[str]:
    found: set[str] = set()
    for node in (n for stmt in nodes for n in ast.walk(stmt)):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            found.add(node.arg)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value.lstrip("-").replace("-", "_"))
    return found


def flag_places(root: Path, dests: list[str], share: float = 0.8) -> list[str]:
    """Functions (and class bodies, methods apart) naming at least ``share`` of the ``run`` flag dests."""
    wanted = set(dests)
    places = []
    for path in sorted((root / "harness").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                body = node.body + [node.args]  # type: ignore[list-item]
            elif isinstance(node, ast.ClassDef):
                body = [b for b in node.body if not isinstance(b, ast.FunctionDef | ast.AsyncFunctionDef)]
            else:
                continue
            names = _names(body) if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else \
                _names(node.body) | {a.arg for a in node.args.args + node.args.kwonlyargs}
            if len(names & wanted) >= share * len(wanted):
                places.append(f"{path.relative_to(root)}:{node.name}")
    return places


def figures(root: Path) -> dict[str, object]:
    mods = modules(root)
    graph = edges(mods)
    harness_files = [p for m, p in mods.items() if m.startswith("harness")]
    text = "\n".join(p.read_text() for p in harness_files)
    dests = run_flag_dests(root)
    return {
        "lines": sum(len(p.read_text().splitlines()) for p in harness_files), "modules": len(harness_files),
        "cycles": cycles(graph), "upward": upward(graph), "run_flags": len(dests),
        "flag_places": flag_places(root, dests),
        "record_keys": len(re.findall(r"\b(?:r|record|rec)\[\s*[\"']", text)),
        "trial_keys": len(re.findall(r"\btrial\[", text)),
        "record_gets": len(re.findall(r"\b(?:r|record|rec)\.get\(\s*[\"']", text)),
    }


def tree_at(rev: str, into: Path) -> Path:
    """harness/ and graders/ of commit ``rev``, extracted under ``into``."""
    data = subprocess.run(["git", "archive", rev, *PACKAGES], cwd=REPO, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rev", help="a commit: the figures of its tree instead of the working tree")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = tree_at(args.rev, Path(tmp)) if args.rev else REPO
        f = figures(root)
    print(f"tree: {args.rev or 'working tree'}")
    print(f"harness/ lines: {f['lines']} in {f['modules']} modules")
    found = f["cycles"]
    print(f"import cycles: {len(found)}")  # type: ignore[arg-type]
    for comp in found:  # type: ignore[attr-defined]
        print("  " + " <-> ".join(comp))
    up = f["upward"]
    print(f"upward arrows (graders->harness, models->harness): {len(up)}")  # type: ignore[arg-type]
    for a, b in up:  # type: ignore[attr-defined]
        print(f"  {a} -> {b}")
    places = f["flag_places"]
    print(f"places a new run flag must be added: {len(places)} (of {f['run_flags']} run flags)")  # type: ignore
    for place in places:  # type: ignore[attr-defined]
        print(f"  {place}")
    print(f"dict-key accesses on trial records and trials in harness/: r/record/rec[\"...\"] {f['record_keys']}, "
          f"trial[...] {f['trial_keys']}, r/record/rec.get(\"...\") {f['record_gets']}")


if __name__ == "__main__":
    main()
