from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from dbos import DBOS

app = FastAPI()


@DBOS.step()
async def produce(n: int) -> int:
    return n * n


@DBOS.workflow()
async def squares(count: int) -> int:
    for n in range(count):
        await DBOS.write_stream_async("out", await produce(n))
    await DBOS.close_stream_async("out")
    return count


@app.get("/squares/{count}")
async def get_squares(count: int):
    handle = await DBOS.start_workflow_async(squares, count)

    async def body():
        async for value in DBOS.read_stream_async(handle.get_workflow_id(), "out"):
            yield f"{value}\n"

    return StreamingResponse(body())
