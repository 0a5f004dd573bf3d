import os
import threading

from flask import Flask, jsonify
from dbos import DBOS

app = Flask(__name__)


@DBOS.step()
def render(doc_id: str) -> str:
    return f"/pdf/{doc_id}.pdf"


@DBOS.workflow()
def export_pdf(doc_id: str) -> str:
    return render(doc_id)


@app.post("/export/<doc_id>")
def export(doc_id: str):
    worker = threading.Thread(target=export_pdf, args=(doc_id,), daemon=True)
    worker.start()
    return jsonify({"started": doc_id})


if __name__ == "__main__":
    DBOS(config={"name": "export", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()
    app.run(port=8000)
