"""Push the day's changed customer contacts to the CRM."""

from dbos import DBOS
from services import fetch_changes, push


def transform(record: dict) -> dict:
    return {**record, "kind": "contact"}


@DBOS.step()
def changed_contacts(day: str) -> list[dict]:
    return [transform(r) for r in fetch_changes("accounts", day)]


@DBOS.step()
def push_contact(day: str, contact: dict) -> None:
    push("crm", day, contact)


@DBOS.workflow()
def run(day: str) -> int:
    contacts = changed_contacts(day)
    for contact in contacts:
        push_contact(day, contact)
    return len(contacts)
