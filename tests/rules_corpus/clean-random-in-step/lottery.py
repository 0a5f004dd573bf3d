import random
import secrets

from dbos import DBOS


def shuffle_tickets(tickets: list[str]) -> list[str]:
    shuffled = list(tickets)
    random.shuffle(shuffled)
    return shuffled


@DBOS.step()
def draw(tickets: list[str]) -> str:
    return shuffle_tickets(tickets)[0]


@DBOS.step()
def new_claim_code() -> str:
    return secrets.token_urlsafe(8)


@DBOS.workflow()
def run_lottery(tickets: list[str]) -> dict:
    winner = draw(tickets)
    return {"winner": winner, "code": new_claim_code()}
