"""Run the shop worker: python main.py"""

import logging

from dbos import DBOS

from shop import setup
from shop.workflows.orders import checkout


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    setup.configure()
    DBOS.launch()
    setup.register_queues()
    handle = DBOS.start_workflow(checkout, "order-1", ["sku-1", "sku-2"])
    logging.info("checkout finished: %s", handle.get_result())


if __name__ == "__main__":
    main()
