"""The one error type for problems the user must fix; the CLI prints it as one line and exits 2.

It is defined here, at the bottom of the house, so the model adapters (which import nothing of the harness above
them) raise the same type every other layer does; ``harness.errors`` re-exports it.
"""


class UserError(Exception):
    """Bad input: the message names the file, field or value and what to do."""
