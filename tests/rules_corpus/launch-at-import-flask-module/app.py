import os

from flask import Flask, jsonify
from dbos import DBOS

app = Flask(__name__)


@DBOS.step()
def lookup(code: str) -> str:
    return code.upper()


@DBOS.workflow()
def resolve(code: str) -> str:
    return lookup(code)


@app.get("/resolve/<code>")
def get_resolve(code: str):
    return jsonify(resolve(code))


def main() -> None:
    app.run(port=5000)


DBOS(config={"name": "codes", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
             "application_version": "1"})
DBOS.launch()

if __name__ == "__main__":
    main()
