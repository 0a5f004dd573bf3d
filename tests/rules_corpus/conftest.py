"""The corpus is data for the rule checker, not tests to run: pytest collects nothing below this folder."""

collect_ignore_glob = ["*"]
