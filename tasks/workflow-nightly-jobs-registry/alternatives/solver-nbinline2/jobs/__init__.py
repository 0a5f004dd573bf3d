"""The nightly jobs. Each job is a module here with a `run(day) -> int` function (records pushed);
teams add their job to JOBS and nightly.py picks it up (each job of each night runs as its own durable
DBOS workflow, `nightly-<day>-<job>`).

A job calls the partner APIs through `jobs.steps` (`from jobs.steps import fetch_changes, push`), whose
functions are DBOS steps: that is what lets a re-run after a crash skip the records already pushed. Keep
the rest of `run` deterministic (no clock reads or randomness; transform the fetched records only)."""

from jobs import billing, crm, search

JOBS = {
    "crm": crm.run,
    "billing": billing.run,
    "search": search.run,
}
