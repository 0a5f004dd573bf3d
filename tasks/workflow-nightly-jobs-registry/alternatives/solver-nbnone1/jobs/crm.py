"""Push the day's changed customer contacts to the CRM."""

from jobs.steps import fetch_changes, push


def transform(record: dict) -> dict:
    return {**record, "kind": "contact"}


def run(day: str) -> int:
    contacts = [transform(r) for r in fetch_changes("accounts", day)]
    for contact in contacts:
        push("crm", day, contact)
    return len(contacts)
