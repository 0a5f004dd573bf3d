"""Client for the analytics warehouse. Do not modify.

Queries are billed per scan and, at quarter end, slow (WAREHOUSE_LATENCY_S simulates it).
"""

import os
import time
import zlib

REGIONS = ("emea", "amer", "apac", "latam")
CHUNKS = 10  # each region's data is scanned in this many chunks


def query(region: str, chunk: int) -> list[dict]:
    """Rows of one chunk of a region's quarterly figures."""
    time.sleep(float(os.environ.get("WAREHOUSE_LATENCY_S", "0.05")))
    return [{"account": f"{region}-{chunk:02d}-{i}", "revenue_cents": zlib.crc32(f"{region}{chunk}{i}".encode()) % 100000}
            for i in range(5)]
