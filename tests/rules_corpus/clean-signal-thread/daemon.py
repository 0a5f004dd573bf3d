import os
import signal
import threading

from dbos import DBOS

stop = threading.Event()


@DBOS.workflow()
def tick() -> None:
    DBOS.sleep(60)


def wait_for_stop() -> None:
    stop.wait()
    DBOS.destroy()


def main() -> None:
    DBOS(config={"name": "daemon", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=wait_for_stop).start()
    DBOS.start_workflow(tick)


if __name__ == "__main__":
    main()
