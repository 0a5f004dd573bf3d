from dbos import DBOS


@DBOS.step()
def send_sms(phone: str, text: str) -> None:
    DBOS.sleep(1)  # provider rate limit
    print("sms", phone, text)


@DBOS.workflow()
def notify(phone: str) -> None:
    send_sms(phone, "Your order shipped")
