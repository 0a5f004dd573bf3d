"""``--max-cost``: trials are enqueued only while the money already spent plus the money committed to trials in
flight (and the next trial's estimate) stays within the budget; past it, no new trial starts, the ones in
flight finish, and the run says how far it got.

Money is new API spend of this invocation (``usage.spent_usd``: response-cache hits and trials finished by an
earlier invocation of the same run id cost nothing). A trial's estimate is the mean cost of the trials of the
same model and arm that have finished in this invocation, or, before any has, ``harness.models.pricing``'s generous
prior guess, with what a backend adds to every call on top of the harness's own prompt (``EXEC_OVERHEAD_CHARS``,
``CLAUDE_CODE_OVERHEAD_CHARS``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.records import TrialRecord
from harness.trials import Trial

# What a backend resends with every call, on top of the harness's prompt and tools (characters; the prior counts
# each call as resending its whole prompt, so these are per call):
# - exec (``--agent-tools exec``): besides run_command's definition, command outputs accumulate in the history;
#   one capped output (first and last 6,000 characters, ``harness.models.exec_tool``) is the allowance. The
#   loopback script of ``benchmarks/agent_tools.py`` measured 5,011 input tokens for exec against 2,223 for files.
# - ``claude-code/<model>``: Claude Code's own system prompt and tool definitions (Read, Write, Edit, Glob, Grep,
#   Bash, Skill), about 54,000 characters in the CLI's first request (``benchmarks/claude_code.py`` prints it);
#   they replace the harness's tools, which the CLI does not offer.
EXEC_OVERHEAD_CHARS = 12_000
CLAUDE_CODE_OVERHEAD_CHARS = 54_000


@dataclass
class Budget:
    limit_usd: float
    prior: Mapping[str, float]  # trial key -> estimated cost before anything ran
    done_before: frozenset[str] = frozenset()  # trial keys recorded before this invocation
    on_stop: Callable[[Budget], None] = lambda _budget: None
    groups: dict[str, tuple[str, str]] = field(default_factory=dict)  # trial key -> (model, arm)
    admitted: set[str] = field(default_factory=set)
    stopped: bool = False
    spent_usd: float = 0.0
    committed_usd: float = 0.0

    @classmethod
    def for_trials(cls, limit_usd: float, trials: list[Trial], prior: Mapping[str, float],
                   done_before: set[str], on_stop: Callable[[Budget], None]) -> Budget:
        return cls(limit_usd, prior, frozenset(done_before), on_stop, {t.key: (t.model, t.arm) for t in trials})

    def estimate(self, key: str, records: Mapping[str, TrialRecord]) -> float:
        if key in self.done_before:
            return 0.0
        group = self.groups.get(key)
        seen = [r.usage.get("cost_usd", 0.0) for k, r in records.items()
                if k in self.admitted and k not in self.done_before and self.groups.get(k) == group and r.usage]
        return sum(seen) / len(seen) if seen else self.prior.get(key, 0.0)

    def admit(self, key: str, records: Mapping[str, TrialRecord]) -> bool:
        """Whether trial ``key`` may be enqueued now, given the run's records (trial key -> record). Once the
        budget has refused a trial it refuses every new one (trials already recorded are always admitted)."""
        fresh = [k for k in self.admitted if k not in self.done_before]
        self.spent_usd = sum(records[k].usage.get("spent_usd", 0.0) for k in fresh if k in records)
        self.committed_usd = sum(self.estimate(k, records) for k in fresh if k not in records)
        if key in self.done_before or (not self.stopped and self.spent_usd + self.committed_usd
                                       + self.estimate(key, records) <= self.limit_usd):
            self.admitted.add(key)
            return True
        if not self.stopped:
            self.stopped = True
            self.on_stop(self)
        return False


def prior_estimates(trials: list[Trial], tasks: Mapping[str, Any], skills: Mapping[str, Any],
                    settings: Mapping[str, Any], prices: Any) -> dict[str, float | None]:
    """Each real-model trial's estimated cost (None when the model has no price; 0 for offline models)."""
    from harness.models.agent import first_message, tools_for
    from harness.models.pricing import estimate_trial_tokens
    from harness.models.settings import CLAUDE_CODE
    from harness.prompts import build_request
    from harness.skills import Arm

    out: dict[str, float | None] = {}
    for trial in trials:
        model = settings.get(trial.model)
        if model is None:
            out[trial.key] = 0.0
            continue
        price = prices.lookup(trial.model)
        if price is None:
            out[trial.key] = None
            continue
        skill, arm = skills.get(trial.skill_hash or ""), Arm(trial.arm)
        request = build_request(trial, tasks[trial.task_id], skill)
        agent_tools = model.get("agent_tools", "files")
        tools = tools_for(model.mode, arm, skill, agent_tools)
        chars = len(request.system_prompt) + len(first_message(request, model.mode, tools))
        if model.provider in CLAUDE_CODE:
            chars += CLAUDE_CODE_OVERHEAD_CHARS
        else:
            chars += sum(len(t.description) + 200 for t in tools)
            chars += EXEC_OVERHEAD_CHARS if agent_tools == "exec" else 0
        if arm.reads_skill and skill is not None:  # SKILL.md and a few references, read on demand
            sizes = [len(text) for _, text in skill.files]
            chars += sizes[0] + 3 * (sum(sizes[1:]) // max(len(sizes) - 1, 1))
        tokens = estimate_trial_tokens(chars, agent=model.agent, max_turns=model.get("max_turns", 30),
                                       max_tokens=model.get("max_tokens", 8192))
        out[trial.key] = price.cost(tokens)
    return out
