"""The placebo skill: a skill of the same size and form as a real one, about something irrelevant (houseplant
care), so an arm that receives it measures what *extra context* does, and the real skill's uplift over it
measures what the skill's *content* does.

Deterministic: every line is drawn from a ``random.Random`` seeded with ``SEED`` and the file's position, so
the same skill version always gets the same placebo. The form is mirrored line by line (front matter keys,
headings, bullets, code fences, blank lines, the number of reference files and the mentions of them), and each
line's length matches the original's, so the token count follows. Tokens are measured with the proxy
``characters / 4`` (``approx_tokens``; tiktoken is not a dependency and its encodings download from the
network).
"""

from __future__ import annotations

import hashlib
import random
import re
from functools import lru_cache

from harness.skills import SkillVersion, parse_front_matter

SEED = 20261203
TOKENIZER = "characters/4"
PLACEBO_NAME = "houseplant-care"
PLACEBO_DESCRIPTION = ("Care for common indoor houseplants: watering, light, soil, repotting, pruning, pests and "
                       "seasonal routines. Use when asked about keeping potted plants healthy indoors.")

TOPICS = ("watering", "light", "soil", "repotting", "pruning", "pests", "humidity", "fertilizer", "propagation",
          "winter-care", "summer-care", "succulents", "ferns", "orchids", "palms", "cacti", "herbs", "vines",
          "drainage", "containers", "cuttings", "leaves", "roots", "seasons", "troubleshooting", "tools", "labels",
          "rotation", "dormancy", "shade")
NOUNS = ("fern", "pothos", "monstera", "orchid", "succulent", "cactus", "palm", "pot", "saucer", "leaf", "root",
         "stem", "soil mix", "window", "mister", "pebble tray", "cutting", "node", "bloom", "frond", "watering can",
         "terracotta pot", "potting mix", "compost", "bark chip", "grow light", "trellis", "seedling")
VERBS = ("water", "mist", "repot", "prune", "rotate", "feed", "check", "trim", "wipe", "move", "shade", "loosen",
         "drain", "label", "inspect", "divide", "support", "turn")
ADJECTIVES = ("bright", "indirect", "damp", "dry", "loose", "gentle", "tepid", "sunny", "shady", "humid", "airy",
              "fresh", "young", "mature", "yellowing", "glossy", "dusty", "root-bound")
TAILS = ("once the top inch of soil is dry", "before new growth starts in spring", "every second week",
         "when the leaves begin to droop", "after the roots fill the pot", "away from cold drafts",
         "in the morning rather than at night", "with rainwater when you can", "so the light reaches every side",
         "until water runs from the drainage hole", "during the growing season", "when the nights turn cold")


def approx_tokens(text: str) -> int:
    """The stated tokenizer proxy: characters / 4, rounded up."""
    return -(-len(text) // 4)


def _sentence(rng: random.Random) -> str:
    return (f"{rng.choice(VERBS).capitalize()} the {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} "
            f"{rng.choice(TAILS)}.")


def _text(rng: random.Random, length: int) -> str:
    """Prose of exactly ``length`` characters (sentences, the last one cut)."""
    out = ""
    while len(out) < length:
        out += (" " if out else "") + _sentence(rng)
    return out[:length].rstrip() if length else ""


def _words(rng: random.Random, length: int) -> str:
    words: list[str] = []
    while len(" ".join(words)) < length:
        words.append(rng.choice(rng.choice((NOUNS, ADJECTIVES, TOPICS))))
    return " ".join(words)[:max(length, 1)].strip().title()


def _code(rng: random.Random, length: int) -> str:
    """A code-fence line: a plant care schedule entry, not code (nothing that could teach programming)."""
    line = f"{rng.choice(NOUNS)}: {rng.choice(VERBS)} {rng.choice(TAILS)}"
    while len(line) < length:
        line += f"; {rng.choice(VERBS)} {rng.choice(TAILS)}"
    return line[:length]


def _mirror_line(line: str, rng: random.Random, refs: dict[str, str], in_code: bool) -> str:
    stripped = line.strip()
    if not stripped or stripped == "---":
        return line
    indent = line[: len(line) - len(line.lstrip())]
    mentioned = [refs[r] for r in refs if r in line]
    tail = "".join(f" (see {m})" for m in mentioned)
    budget = max(len(stripped) - len(tail), 1)
    if in_code:
        body = _code(rng, budget)
    elif stripped.startswith("#"):
        hashes = stripped.split(" ", 1)[0]
        body = f"{hashes} {_words(rng, max(budget - len(hashes) - 1, 1))}"
    elif re.match(r"^([-*+]|\d+\.)\s", stripped):
        marker = stripped.split(" ", 1)[0]
        body = f"{marker} {_text(rng, max(budget - len(marker) - 1, 1))}"
    elif stripped.startswith("|"):
        cells = stripped.strip("|").split("|")
        body = "|" + "|".join(f" {_words(rng, max(len(c) - 2, 1))} " if c.strip("- :") else c for c in cells) + "|"
    else:
        body = _text(rng, budget)
    return indent + body + tail


def _mirror_file(text: str, rng: random.Random, refs: dict[str, str]) -> str:
    out, in_code = [], False
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("```"):
            fence = line[: len(line) - len(line.lstrip())] + "```"
            out.append(fence + ("text" if stripped[3:].strip() else ""))
            in_code = not in_code
            continue
        out.append(_mirror_line(line, rng, refs, in_code))
    return "\n".join(out)


def _front_matter(text: str, rng: random.Random) -> tuple[str, str]:
    """(front matter block with the same keys, body); name and description are the placebo's."""
    match = re.match(r"\A---\n(.*?)\n---\n", text, re.S)
    if not match:
        return "", text
    keys = list(parse_front_matter(text))
    lines = []
    for key in keys:
        if key == "name":
            value = PLACEBO_NAME
        elif key == "description":
            original = parse_front_matter(text)["description"]
            value = (PLACEBO_DESCRIPTION + " " + _text(rng, max(len(original) - len(PLACEBO_DESCRIPTION), 1))
                     )[:len(original)].rstrip()
        else:
            value = _words(rng, len(parse_front_matter(text)[key]))
        lines.append(f"{key}: {value}")
    return "---\n" + "\n".join(lines) + "\n---\n", text[match.end():]


@lru_cache(maxsize=16)
def placebo_for(skill: SkillVersion) -> SkillVersion:
    """The placebo standing in for ``skill``: same front matter keys, same number of files, each file's
    length (and so its ``approx_tokens``) within a few characters of the original's."""
    refs = {}
    for index, (rel, _) in enumerate(skill.files[1:]):
        folder = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
        refs[rel] = f"{folder}{TOPICS[index % len(TOPICS)]}{'' if index < len(TOPICS) else index}.md"
    files = []
    for index, (rel, text) in enumerate(skill.files):
        rng = random.Random(f"{SEED}:{index}")
        head, body = _front_matter(text, rng) if index == 0 else ("", text)
        files.append(("SKILL.md" if index == 0 else refs[rel], head + _mirror_file(body, rng, refs)))
    digest = hashlib.sha256()
    for rel, text in files:
        digest.update(rel.encode() + b"\0" + text.encode() + b"\0")
    meta = parse_front_matter(files[0][1])
    return SkillVersion(f"placebo-{skill.label}", skill.path, digest.hexdigest(), meta.get("name", PLACEBO_NAME),
                        meta.get("description", PLACEBO_DESCRIPTION), tuple(files))


def total_tokens(skill: SkillVersion) -> int:
    return sum(approx_tokens(text) for _, text in skill.files)
