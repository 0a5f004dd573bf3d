import smtplib
import time

from dbos import DBOS


@DBOS.step()
def send_batch(addresses: list[str]) -> int:
    sent = 0
    with smtplib.SMTP("localhost") as smtp:
        for address in addresses:
            try:
                smtp.sendmail("noreply@example.com", address, "hello")
                sent += 1
            except smtplib.SMTPException:
                continue
            time.sleep(0.2)
    return sent


@DBOS.workflow()
def newsletter(addresses: list[str]) -> int:
    return send_batch(addresses)
