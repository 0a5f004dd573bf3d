import os

from flask import Flask, jsonify
from dbos import DBOS


@DBOS.workflow()
def greet(name: str) -> str:
    return f"hello {name}"


def create_app() -> Flask:
    app = Flask(__name__)
    DBOS(config={"name": "greeter", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()

    @app.get("/greet/<name>")
    def greet_route(name: str):
        return jsonify(greet(name))

    return app
