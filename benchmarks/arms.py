"""Figures for the arms of issue 19: the placebo's token count against the skill's (proxy: characters / 4), and
a report of a synthetic run under every arm with the uplift over none and over placebo, activation by arm and
the eval audit, plus its A/A noise floor (odd vs even epochs).

    python benchmarks/arms.py [SKILL_DIR ...]
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import aa, analysis  # noqa: E402
from harness.placebo import TOKENIZER, placebo_for, total_tokens  # noqa: E402
from harness.report import markdown  # noqa: E402
from harness.results import RunDir  # noqa: E402
from harness.skills import load_skill  # noqa: E402
from tests.fixtures.synthetic import synthesize  # noqa: E402

VARIANTS = (("none", None), ("inline", "skill"), ("placebo", "skill"), ("tool", "skill"),
            ("tool-forced", "skill"), ("index", "skill"))


def outcome(task: str, model: str, variant: str, epoch: int) -> bool:
    arm = variant.split(":")[0]
    if task in ("client-a", "comm-a"):
        return task == "client-a"
    if arm == "none":
        return task in ("lifecycle-a", "workflow-a")
    if arm == "placebo":
        return task in ("lifecycle-a", "workflow-a", "step-a")
    return task != "queue-b" or epoch == 2


def main(skills: list[str]) -> None:
    repo = Path(__file__).resolve().parent.parent
    for path in skills or [str(repo / "skill"), str(repo / "tests" / "fixtures" / "skill_v2")]:
        skill = load_skill(Path(path))
        placebo = placebo_for(skill)
        real, fake = total_tokens(skill), total_tokens(placebo)
        print(f"{path}: skill {real} tokens in {len(skill.files)} files; placebo {fake} tokens in "
              f"{len(placebo.files)} files ({(fake - real) / real:+.2%}; tokenizer proxy {TOKENIZER}); "
              f"placebo hash {placebo.hash[:12]}")
    with tempfile.TemporaryDirectory() as tmp:
        root = synthesize(Path(tmp), "arms-figure", outcome, variants=VARIANTS, seed=3)
        records = RunDir.open(str(root), root).records()
        md = markdown("arms-figure", json.loads((root / "run.json").read_text()), records)
        keep = ("Skill uplift", "Content effect", "Skill activation by arm", "Eval audit")
        for block in md.split("\n## "):
            title = block.split("\n")[0]
            if title == "Skill uplift" or title.startswith(keep[1:]):
                print("\n## " + block.split("\n<details>")[0].rstrip())
        a, b = aa.split_epochs(analysis.trials_frame(records))
        print("\n" + aa.markdown(aa.aa(a, b, side_a="odd epochs", side_b="even epochs", how="epochs of one run"),
                                 level=2))


if __name__ == "__main__":
    main(sys.argv[1:])
