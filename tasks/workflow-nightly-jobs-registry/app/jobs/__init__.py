"""The nightly jobs. Each job is a module here with a `run(day) -> int` function (records pushed);
teams add their job to JOBS and nightly.py picks it up."""

from jobs import billing, crm, search

JOBS = {
    "crm": crm.run,
    "billing": billing.run,
    "search": search.run,
}
