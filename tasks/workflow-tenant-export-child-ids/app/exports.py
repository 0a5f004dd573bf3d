"""Daily tenant exports.

    python exports.py run <date>               # the nightly run: every tenant, then the day's manifest
    python exports.py tenant <date> <tenant>   # support: export one tenant's day

Both print a JSON summary: `{"date": ..., "exported": {<tenant>: <rows>, ...}}` for a run,
`{"date": ..., "tenant": ..., "rows": <rows>}` for one tenant.
"""

import json
import sys
from concurrent.futures import ThreadPoolExecutor

import export_store
import warehouse


def export_tenant(date: str, tenant: str) -> int:
    rows = warehouse.extract(tenant, date)
    export_store.upload(tenant, date, rows)
    return len(rows)


def nightly(date: str) -> dict:
    with ThreadPoolExecutor(max_workers=len(warehouse.TENANTS)) as pool:
        counts = list(pool.map(lambda tenant: export_tenant(date, tenant), warehouse.TENANTS))
    exported = dict(zip(warehouse.TENANTS, counts))
    export_store.write_manifest(date, exported)
    return {"date": date, "exported": exported}


def main() -> None:
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "run":
        print(json.dumps(nightly(args[1])))
    elif len(args) == 3 and args[0] == "tenant":
        print(json.dumps({"date": args[1], "tenant": args[2], "rows": export_tenant(args[1], args[2])}))
    else:
        sys.exit("usage: python exports.py run <date> | tenant <date> <tenant>")


if __name__ == "__main__":
    main()
