from dbos import DBOS


@DBOS.step()
async def generate(prompt: str) -> str:
    text = ""
    for token in prompt.split():
        text += token + " "
        DBOS.write_stream("tokens", token)
    return text


@DBOS.workflow()
async def answer(prompt: str) -> str:
    result = await generate(prompt)
    await DBOS.close_stream_async("tokens")
    return result
