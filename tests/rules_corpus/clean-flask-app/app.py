import os

from flask import Flask, jsonify, request
from dbos import DBOS, DBOSConfig

app = Flask(__name__)


@DBOS.step()
def save_feedback(text: str) -> int:
    with open("feedback.log", "a") as f:
        f.write(text + "\n")
    return len(text)


@DBOS.workflow()
def feedback_flow(text: str) -> int:
    return save_feedback(text)


@app.post("/feedback")
def feedback():
    handle = DBOS.start_workflow(feedback_flow, request.json["text"])
    return jsonify({"id": handle.get_workflow_id(), "len": handle.get_result()})


if __name__ == "__main__":
    config: DBOSConfig = {"name": "feedback", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                          "application_version": "1"}
    DBOS(config=config)
    DBOS.launch()
    app.run(port=5000)
