"""Read access to the analytics warehouse. Do not modify."""

import os
import time
import zlib

TENANTS = ("acme", "globex", "initech", "umbrella", "hooli")


def extract(tenant: str, date: str) -> list[dict]:
    """The tenant's usage rows for one day (slow: WAREHOUSE_LATENCY_S)."""
    time.sleep(float(os.environ.get("WAREHOUSE_LATENCY_S", "0.2")))
    count = 3 + zlib.crc32(f"{tenant}/{date}".encode()) % 7
    return [{"tenant": tenant, "date": date, "n": i} for i in range(count)]
