import asyncio

from dbos import DBOS


def render_pdf_blocking(html: str) -> bytes:
    with open("/tmp/out.pdf", "wb") as f:
        f.write(html.encode())
    return html.encode()


@DBOS.step()
async def render(html: str) -> int:
    data = await asyncio.to_thread(render_pdf_blocking, html)
    return len(data)


@DBOS.workflow()
async def make_invoice(html: str) -> int:
    return await render(html)
