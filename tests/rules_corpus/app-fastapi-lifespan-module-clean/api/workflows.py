import asyncio
import csv
import io

from dbos import DBOS


@DBOS.step()
def render_csv(name: str, rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=sorted(rows[0]) if rows else ["name"])
    writer.writeheader()
    writer.writerows(rows)
    with open(f"/tmp/{name}.csv", "w") as out:
        out.write(buffer.getvalue())
    return out.name


@DBOS.step()
async def fetch_rows(name: str) -> list[dict]:
    await asyncio.sleep(0.1)
    return [{"name": name, "total": 3}]


@DBOS.workflow()
async def build_report(name: str) -> str:
    rows = await fetch_rows(name)
    await DBOS.set_event_async("progress", "rendering")
    path = await asyncio.to_thread(render_csv, name, rows)
    await DBOS.set_event_async("progress", "done")
    return path
