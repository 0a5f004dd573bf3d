from dbos import DBOS

import geo


@DBOS.step()
def detect_country(ip: str) -> str:
    return geo.country_of(ip)


@DBOS.workflow()
def signup(email: str, ip: str) -> dict:
    return {"email": email, "country": detect_country(ip)}
