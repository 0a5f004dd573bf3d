from dbos import DBOS


@DBOS.step()
def charge_renewal(subscription_id: str) -> bool:
    return True


@DBOS.workflow()
def renew(subscription_id: str, days: int) -> bool:
    DBOS.sleep(days * 24 * 3600)
    return charge_renewal(subscription_id)
