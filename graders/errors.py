"""The one error type graders raise for problems the user must fix (missing tools, bad URLs)."""


class SetupError(Exception):
    """The grading environment cannot be built; the message says what to do."""
