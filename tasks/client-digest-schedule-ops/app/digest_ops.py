"""Ops tool for the digest schedules. TODO: everything; today ops edits cron env vars and redeploys."""

import sys


def main() -> None:
    print("not implemented yet", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main()
