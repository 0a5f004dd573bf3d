"""Nightly jobs. Each module is one job with the same shape: ``run(day) -> dict`` (the job's summary).

Teams add jobs by adding a module here and listing it in ``nightly.JOBS``.
"""
