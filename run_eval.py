#!/usr/bin/env python3
"""dbos-skill-eval entry point: `python run_eval.py --help`; `python run_eval.py setup` installs what it needs."""

import sys

if __name__ == "__main__":
    if sys.argv[1:2] == ["setup"]:
        from harness.install import main as setup
    else:
        from harness.cli import main as setup
    sys.exit(setup())
