from dbos import DBOS, SetWorkflowID


@DBOS.workflow()
def refund(order_id: str) -> str:
    return f"refunded {order_id}"


@DBOS.step()
def maybe_refund(order_id: str, amount: int) -> str | None:
    if amount <= 0:
        return None
    with SetWorkflowID(f"refund-{order_id}"):
        return refund(order_id)


@DBOS.workflow()
def cancel_order(order_id: str, amount: int) -> str | None:
    return maybe_refund(order_id, amount)
