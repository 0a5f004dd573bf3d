import json

from dbos import DBOS


@DBOS.step()
def apply(rule: dict, payload: dict) -> bool:
    return payload.get(rule["field"]) == rule["value"]


@DBOS.workflow()
def evaluate(payload: dict) -> list[bool]:
    rules = json.load(open("rules.json"))
    return [apply(r, payload) for r in rules]
