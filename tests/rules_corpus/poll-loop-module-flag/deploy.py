import time

from dbos import DBOS

CONFIRMATIONS: dict[str, bool] = {}


@DBOS.step()
def roll_out(release: str) -> None:
    print("rolling out", release)


@DBOS.workflow()
def deploy(release: str) -> None:
    while not CONFIRMATIONS.get(release):
        time.sleep(2)
    roll_out(release)


def confirm(release: str) -> None:
    CONFIRMATIONS[release] = True
