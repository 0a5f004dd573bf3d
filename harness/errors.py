"""The one error type for problems the user must fix; the CLI prints it as one line and exits 2."""


class UserError(Exception):
    """Bad input: the message names the file, field or value and what to do."""
