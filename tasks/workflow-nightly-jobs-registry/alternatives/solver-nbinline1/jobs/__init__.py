"""The nightly jobs. Each job is a module here with a `run(day) -> int` function (records pushed);
teams add their job to JOBS and nightly.py picks it up.

nightly.py runs each job of each day as its own durable DBOS workflow. A job talks to the partner systems
through `jobs.steps` (`from jobs.steps import fetch_changes, push`), whose calls are checkpointed steps, so a
re-run after a crash never pushes a record twice. Apart from those calls, keep `run` deterministic (no
clock reads, randomness or other I/O).
"""

from jobs import billing, crm, search

JOBS = {
    "crm": crm.run,
    "billing": billing.run,
    "search": search.run,
}
