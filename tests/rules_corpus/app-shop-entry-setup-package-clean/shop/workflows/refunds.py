import asyncio

from dbos import DBOS

from shop.services.payments import refund


@DBOS.workflow()
async def refund_all(order_ids: list[str]) -> list[str]:
    refunded = []
    for order_id in order_ids:
        refunded.append(await asyncio.to_thread(refund, order_id))
    await DBOS.set_event_async("refunded", len(refunded))
    return refunded
