# The old release's copy must not be collected as a test module.
collect_ignore = ["old_release"]
