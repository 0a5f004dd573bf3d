"""The one error type for problems the user must fix; the CLI prints it as one line and exits 2.

Defined in ``harness.models.errors`` (the lowest layer, so model adapters raise it too) and re-exported here.
"""

from harness.models.errors import UserError

__all__ = ["UserError"]
