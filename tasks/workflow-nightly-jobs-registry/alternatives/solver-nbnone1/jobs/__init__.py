"""The nightly jobs. Each job is a module here with a `run(day) -> int` function (records pushed);
teams add their job to JOBS and nightly.py picks it up.

Jobs call the partner APIs through `jobs.steps` (`from jobs.steps import fetch_changes, push`), which makes
every fetch and push a durable step of the job's workflow, so a resumed night never pushes a record twice.
(nightly.py also routes jobs that still import them from `services` through the durable versions.)"""

from jobs import billing, crm, search

JOBS = {
    "crm": crm.run,
    "billing": billing.run,
    "search": search.run,
}
