"""Model adapters by id: ``reference``, ``mutant:<name>``; real providers arrive as adapters here."""

from __future__ import annotations

from harness.errors import UserError
from harness.models.base import Generation, GenerationRequest, Model, Usage
from harness.models.reference import MutantModel, ReferenceModel, read_tree

OFFLINE_MODELS = ("reference",)
MODEL_FORMS = "reference, mutant:<name>"

__all__ = ["Generation", "GenerationRequest", "Model", "Usage", "make_model", "read_tree", "OFFLINE_MODELS"]


def make_model(model_id: str) -> Model:
    """The adapter for a model id; an unknown id is a user error that lists the known forms."""
    if model_id == "reference":
        return ReferenceModel()
    if model_id.startswith("mutant:") and len(model_id) > len("mutant:"):
        return MutantModel(model_id.split(":", 1)[1])
    raise UserError(f"--model {model_id}: unknown model (known forms: {MODEL_FORMS})")


def ignores_prompt(model_id: str) -> bool:
    """Pseudo-models whose output does not depend on the skill arm (one arm is enough for them)."""
    return model_id == "reference" or model_id.startswith("mutant:")
