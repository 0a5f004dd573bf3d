from time import sleep

from dbos import DBOS


@DBOS.step()
def unlock(account: str) -> None:
    print("unlocked", account)


@DBOS.workflow()
def lockout(account: str, minutes: int) -> None:
    sleep(minutes * 60)
    unlock(account)
