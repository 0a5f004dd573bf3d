from dbos import DBOS


@DBOS.step()
def create_account(email: str) -> str:
    return email.split("@")[0]


@DBOS.step()
def send_welcome(user: str) -> None:
    print("welcome", user)


DBOS.workflow()
def signup(email: str) -> str:
    user = create_account(email)
    send_welcome(user)
    return user
