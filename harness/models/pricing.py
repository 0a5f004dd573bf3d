"""What model calls cost: prices from ``harness/prices.toml`` (the user edits it), costs from token counts,
and the rough per-trial estimate that ``--dry-run`` prints and ``--max-cost`` commits before a trial runs."""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass
from pathlib import Path

from harness.models.chat import TokenCount
from harness.models.errors import UserError

PRICES_PATH = Path(__file__).resolve().parent.parent / "prices.toml"
PER_TOKEN = 1_000_000
CHARS_PER_TOKEN = 4  # a rough, tokenizer-free conversion, only for estimates
FIELDS = ("input", "output", "cache_read", "cache_write")


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float
    cache_read: float = 0.0
    cache_write: float = 0.0

    def cost(self, tokens: TokenCount) -> float:
        """Exact for the given counts (rounded to 1e-9 USD so sums of the same counts compare equal)."""
        micro = (tokens.input * self.input + tokens.output * self.output + tokens.cache_read * self.cache_read
                 + tokens.cache_write * self.cache_write)
        return round(micro / PER_TOKEN, 9)


@dataclass(frozen=True)
class PriceTable:
    prices: dict[str, Price]
    source: Path

    def lookup(self, model_id: str) -> Price | None:
        if model_id in self.prices:
            return self.prices[model_id]
        if model_id.startswith("claude-code/") and f"anthropic/{model_id[12:]}" in self.prices:
            return self.prices[f"anthropic/{model_id[12:]}"]  # the CLI pays the Messages API's prices
        globs = [key for key in self.prices if any(c in key for c in "*?[") and fnmatch.fnmatchcase(model_id, key)]
        return self.prices[max(globs, key=len)] if globs else None


def load_prices(path: Path = PRICES_PATH) -> PriceTable:
    try:
        data = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"{path}: cannot read the price table ({exc})") from None
    prices = {}
    for model, entry in (data.get("prices") or {}).items():
        unknown = set(entry) - set(FIELDS)
        if unknown or "input" not in entry or "output" not in entry:
            raise UserError(f"{path}: [prices.\"{model}\"] needs input and output (USD per million tokens); "
                            f"known fields: {', '.join(FIELDS)}")
        try:
            prices[model] = Price(**{k: float(v) for k, v in entry.items()})
        except (TypeError, ValueError):
            raise UserError(f"{path}: [prices.\"{model}\"] prices must be numbers") from None
    return PriceTable(prices, Path(path))


def estimate_trial_tokens(prompt_chars: int, *, agent: bool, max_turns: int, max_tokens: int) -> TokenCount:
    """A deliberately generous guess of one trial's tokens, before any has run.

    Single-shot: the prompt once, and an answer of about the prompt's size (the whole files back), at most
    ``max_tokens``. Agent: about 8 turns (at most ``max_turns``), each resending the prompt plus the growing
    history (about 1,500 tokens a turn), each answering about 800 tokens. Observed costs replace this as soon as
    trials finish (see ``harness.budget``)."""
    prompt = prompt_chars // CHARS_PER_TOKEN
    if not agent:
        return TokenCount(input=prompt, output=min(max_tokens, prompt + 1000))
    turns = max(1, min(max_turns, 8))
    history = 1500 * turns * (turns - 1) // 2
    return TokenCount(input=prompt * turns + history, output=min(max_tokens, 800) * turns)
