"""`python run_eval.py skill-check SKILL_DIR`: lint a skill version before it is evaluated.

Errors: front matter missing or outside the Agent Skills limits, a linked reference file that does not exist,
a Python example that does not compile, a "Correct" example that the rule checker flags (which includes APIs
removed in DBOS 3.0). Warnings: an "Incorrect" example that triggers no rule (the checker cannot tell the
lesson apart from correct code, so the report cannot measure it).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from harness.skills import FRONT_MATTER, parse_front_matter

NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
LINK = re.compile(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)")
FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```", re.S | re.M)
LABEL = re.compile(r"\b(incorrect|correct)\b", re.I)


@dataclass(frozen=True)
class Finding:
    level: str  # "error" | "warning"
    where: str  # file:line
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.level}: {self.message}"


@dataclass(frozen=True)
class Example:
    file: str
    line: int
    kind: str  # "correct" | "incorrect" | "other"
    code: str


def lint_skill(skill_dir: Path) -> list[Finding]:
    skill_dir = Path(skill_dir)
    skill_md = skill_dir / "SKILL.md"
    if not skill_md.is_file():
        return [Finding("error", str(skill_md), "missing: a skill is a directory with SKILL.md")]
    findings = _front_matter(skill_md)
    findings += _links(skill_dir, skill_md)
    examples = [ex for md in sorted(skill_dir.rglob("*.md")) for ex in examples_in(md, skill_dir)]
    findings += _compile(examples)
    findings += _rules(examples)
    return findings


def _front_matter(skill_md: Path) -> list[Finding]:
    text = skill_md.read_text()
    where = f"{skill_md}:1"
    if not FRONT_MATTER.match(text):
        return [Finding("error", where, "no YAML front matter (--- name/description ---) at the top")]
    meta = parse_front_matter(text)
    out = []
    name, description = meta.get("name", ""), meta.get("description", "")
    if not name:
        out.append(Finding("error", where, "front matter: name is missing"))
    elif len(name) > 64 or not NAME.match(name):
        out.append(Finding("error", where, f"front matter: name {name!r} must be lowercase words joined by "
                                           "hyphens, at most 64 characters"))
    if not description:
        out.append(Finding("error", where, "front matter: description is missing"))
    elif len(description) > 1024:
        out.append(Finding("error", where, f"front matter: description is {len(description)} characters "
                                           "(at most 1024)"))
    return out


def _links(skill_dir: Path, skill_md: Path) -> list[Finding]:
    out = []
    for n, line in enumerate(skill_md.read_text().splitlines(), 1):
        for target in LINK.findall(line):
            if "://" not in target and not (skill_dir / target).is_file():
                out.append(Finding("error", f"{skill_md}:{n}", f"linked file {target} does not exist"))
    return out


def examples_in(md: Path, root: Path) -> list[Example]:
    """The ```python blocks of a markdown file, each labelled by the nearest preceding Correct/Incorrect."""
    text = md.read_text()
    rel = str(md) if not md.is_absolute() else md.relative_to(root.parent).as_posix()
    out = []
    for match in FENCE.finditer(text):
        before = text[: match.start()]
        labels = LABEL.findall("\n".join(before.splitlines()[-6:]))
        kind = labels[-1].lower() if labels else "other"
        out.append(Example(rel, before.count("\n") + 2, kind, match.group(1)))
    return out


def _compile(examples: list[Example]) -> list[Finding]:
    out = []
    for ex in examples:
        try:
            compile(ex.code, f"{ex.file}:{ex.line}", "exec")
        except SyntaxError as exc:
            out.append(Finding("error", f"{ex.file}:{ex.line + (exc.lineno or 1) - 1}",
                               f"{ex.kind} example does not compile: {exc.msg}"))
    return out


def _rules(examples: list[Example]) -> list[Finding]:
    from graders.rules import check_paths

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, ex in enumerate(examples):
            if ex.kind == "other":
                continue
            folder = Path(tmp) / f"example{i}"
            folder.mkdir()
            (folder / "example.py").write_text(ex.code)
            report = check_paths([folder])
            if report.errors:
                continue  # reported by _compile
            rules = sorted({v.rule for v in report.violations})
            where = f"{ex.file}:{ex.line}"
            if ex.kind == "correct" and rules:
                detail = "; ".join(f"{v.rule} (line {ex.line + v.line - 1})" for v in report.violations)
                out.append(Finding("error", where, f"Correct example triggers {detail}"))
            elif ex.kind == "incorrect" and not rules:
                out.append(Finding("warning", where, "Incorrect example triggers no rule"))
    return out
