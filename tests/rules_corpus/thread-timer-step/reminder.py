import threading

from dbos import DBOS


@DBOS.step()
def send_reminder(user: str) -> None:
    print("reminder for", user)


def schedule_reminder(user: str, delay_s: float) -> None:
    threading.Timer(delay_s, send_reminder, args=(user,)).start()
