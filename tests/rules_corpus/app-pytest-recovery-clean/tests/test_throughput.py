"""A load script, not a test: python tests/test_throughput.py"""

import time

from dbos import DBOS

from ledger.workflows import transfer


def main() -> None:
    DBOS(config={"name": "ledger-load", "system_database_url": "sqlite:///load.sqlite",
                 "application_version": "load"})
    DBOS.launch()
    started = time.perf_counter()
    for i in range(100):
        transfer("a", "b", i)
    print(f"100 transfers in {time.perf_counter() - started:.2f}s")


if __name__ == "__main__":
    main()
