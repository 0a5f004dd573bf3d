from dbos import DBOS

POSTINGS_QUEUE = "postings"


@DBOS.step()
def post(account: str, cents: int) -> int:
    with open("/tmp/ledger.log", "a") as out:
        out.write(f"{account} {cents}\n")
    return cents


@DBOS.workflow()
def transfer(source: str, target: str, cents: int) -> int:
    post(source, -cents)
    DBOS.sleep(1)
    return post(target, cents)
