import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from dbos import DBOS


@DBOS.workflow()
def heartbeat_check() -> str:
    return "ok"


class Health(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()


def serve_health(port: int) -> None:
    HTTPServer(("0.0.0.0", port), Health).serve_forever()


def main() -> None:
    DBOS(config={"name": "svc", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "5"})
    DBOS.launch()
    threading.Thread(target=serve_health, args=(8080,), daemon=True).start()
    DBOS.start_workflow(heartbeat_check)


if __name__ == "__main__":
    main()
