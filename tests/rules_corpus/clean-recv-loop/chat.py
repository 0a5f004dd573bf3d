from dbos import DBOS


@DBOS.step()
def reply(text: str) -> str:
    return text.upper()


@DBOS.workflow()
def conversation(max_turns: int) -> list[str]:
    replies = []
    while len(replies) < max_turns:
        message = DBOS.recv("user_message", timeout_seconds=600)
        if message is None:
            break
        replies.append(reply(message))
        DBOS.set_event("turns", len(replies))
    return replies
