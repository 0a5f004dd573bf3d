"""Skill versions and arms: what the model is told about DBOS, and how.

A skill version is a directory in Agent Skills format (``SKILL.md`` with YAML front matter, plus
``references/*.md``) identified by a hash of its content, so two runs with the same hash saw the same skill.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from harness.errors import UserError
from harness.models.base import Arm as Arm  # the arm and the version are defined with the model request
from harness.models.base import SkillVersion as SkillVersion

ARM_NAMES = ", ".join(a.value for a in Arm)

FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def parse_front_matter(text: str) -> dict[str, str]:
    """The simple ``key: value`` YAML front matter of SKILL.md (folded values joined)."""
    match = FRONT_MATTER.match(text)
    if not match:
        return {}
    fields: dict[str, str] = {}
    key = None
    for line in match.group(1).splitlines():
        head = re.match(r"^([A-Za-z_][\w-]*):\s*(.*)$", line)
        if head:
            key, value = head.group(1), head.group(2).strip()
            fields[key] = "" if value in (">", "|", ">-", "|-") else value.strip("'\"")
        elif key and line.startswith((" ", "\t")):
            fields[key] = (fields[key] + " " + line.strip()).strip()
    return fields


def load_skill(path: Path, label: str | None = None) -> SkillVersion:
    """Read a skill directory; raise ``UserError`` naming the path when it is not a skill."""
    path = Path(path)
    skill_md = path / "SKILL.md"
    if not skill_md.is_file():
        raise UserError(f"--skill {path}: no SKILL.md there (a skill is a directory with SKILL.md)")
    files = [("SKILL.md", skill_md.read_text())]
    for file in sorted(path.rglob("*.md")):
        rel = file.relative_to(path).as_posix()
        if rel != "SKILL.md" and not any(part.startswith(".") for part in file.parts):
            files.append((rel, file.read_text()))
    meta = parse_front_matter(files[0][1])
    if not meta.get("name") or not meta.get("description"):
        raise UserError(f"{skill_md}: front matter must have name and description")
    digest = hashlib.sha256()
    for rel, text in files:
        digest.update(rel.encode() + b"\0" + text.encode() + b"\0")
    return SkillVersion(label or path.resolve().name, path.resolve(), digest.hexdigest(), meta["name"],
                        meta["description"], tuple(files))


GIT_PREFIX = "git:"


def materialize_skill(spec: str, cache_dir: Path, repo: Path) -> Path:
    """A skill version named by a git revision, ``git:REV:PATH`` (``git:main:skill``, ``git:HEAD~3:skill``): the
    tree at ``REV:PATH`` of ``repo``, extracted once into ``cache_dir/skills/<tree id>/<rev>`` (git's tree id
    names the content, so the same skill at two revisions is extracted once). The returned directory loads
    with ``load_skill``; its label is the revision."""
    import io
    import subprocess
    import tarfile

    rev, sep, rel = spec.removeprefix(GIT_PREFIX).partition(":")
    if not rev or not sep or not rel.strip("/"):
        raise UserError(f"--skill {spec}: write a git skill version as git:REV:PATH, e.g. git:main:skill")

    def git(*args: str) -> bytes:
        try:
            done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, timeout=60, check=False)
        except OSError as exc:
            raise UserError(f"--skill {spec}: git is not available ({exc})") from None
        if done.returncode != 0:
            why = done.stderr.decode(errors="replace").strip().splitlines()
            raise UserError(f"--skill {spec}: {why[-1] if why else 'git failed'} (in {repo})")
        return done.stdout

    treeish = f"{rev}:{rel.strip('/')}"
    if git("cat-file", "-t", treeish).strip() != b"tree":
        raise UserError(f"--skill {spec}: {rel} is not a directory at {rev}")
    tree = git("rev-parse", treeish).decode().strip()
    label = re.sub(r"[^A-Za-z0-9._-]+", "_", rev).strip("_") or "rev"
    dest = Path(cache_dir) / "skills" / tree[:16] / label
    if not (dest / "SKILL.md").is_file():
        staging = dest.with_name(f".{label}.tmp")
        if staging.exists():
            import shutil

            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        with tarfile.open(fileobj=io.BytesIO(git("archive", "--format=tar", treeish))) as archive:
            archive.extractall(staging, filter="data")
        staging.replace(dest)
    return dest


def resolve_skill_spec(spec: str, cache_dir: Path, repo: Path) -> Path:
    """A ``--skill`` value: a directory, or ``git:REV:PATH`` materialized from ``repo``."""
    if spec.startswith(GIT_PREFIX):
        return materialize_skill(spec, cache_dir, repo)
    return Path(spec)
