import time

from dbos import DBOS


@DBOS.step()
def send_reminder(user: str, text: str) -> None:
    print("remind", user, text)


@DBOS.workflow()
def remind_later(user: str, text: str, delay_s: float) -> None:
    time.sleep(delay_s)
    send_reminder(user, text)
