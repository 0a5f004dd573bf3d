"""Appointment reminders for the clinic's booking system.

    python clinic_api.py        # listens on CLINIC_BIND (default 127.0.0.1:8080; production uses a unix socket)

When the booking system books an appointment we text the patient a confirmation, and REMINDER_LEAD_S
seconds before the appointment (default: one day) a reminder. Cancelled appointments get a cancellation
text and no reminder.

Every appointment is a DBOS workflow (id `appointment-<id>`): it texts the confirmation, then waits
durably for a cancellation message until the reminder is due. The wait survives restarts: after a crash
the workflow is recovered and wakes up when the reminder was due, not a full lead time later.
"""

import os
import time
from datetime import datetime, timezone

from dbos import DBOS, DBOSConfig, SetWorkflowID
from flask import Flask, abort, jsonify, request

import sms

REMINDER_LEAD_S = float(os.environ.get("REMINDER_LEAD_S", "86400"))

app = Flask(__name__)


def when(starts_at: float) -> str:
    return datetime.fromtimestamp(starts_at, timezone.utc).strftime("%a %d %b %H:%M UTC")


def workflow_id(appointment_id: str) -> str:
    return f"appointment-{appointment_id}"


@DBOS.step()
def send_sms(phone: str, kind: str, appointment_id: str, text: str) -> None:
    sms.send(phone, kind, appointment_id, text)


@DBOS.step()
def seconds_until(moment: float) -> float:
    return max(0.0, moment - time.time())


@DBOS.workflow()
def appointment_texts(appointment_id: str, phone: str, starts_at: float) -> str:
    DBOS.set_event("status", "booked")
    send_sms(phone, "confirmation", appointment_id, f"Your appointment is booked for {when(starts_at)}.")
    wait_s = seconds_until(starts_at - REMINDER_LEAD_S)
    if DBOS.recv("cancel", timeout_seconds=wait_s) is not None:
        send_sms(phone, "cancellation", appointment_id, "Your appointment has been cancelled.")
        DBOS.set_event("status", "cancelled")
        return "cancelled"
    send_sms(phone, "reminder", appointment_id, f"Reminder: your appointment is on {when(starts_at)}.")
    DBOS.set_event("status", "reminded")
    return "reminded"


def current_status(appointment_id: str) -> str | None:
    if DBOS.get_workflow_status(workflow_id(appointment_id)) is None:
        return None
    return DBOS.get_event(workflow_id(appointment_id), "status", timeout_seconds=1) or "booked"


@app.post("/appointments")
def book():
    body = request.get_json()
    appointment_id, phone, starts_at = body["appointment_id"], body["phone"], float(body["starts_at"])
    known = current_status(appointment_id)
    if known is not None:  # the booking system retries: don't text twice
        return jsonify(appointment_id=appointment_id, status=known), 200
    with SetWorkflowID(workflow_id(appointment_id)):
        DBOS.start_workflow(appointment_texts, appointment_id, phone, starts_at)
    return jsonify(appointment_id=appointment_id, status="booked"), 201


@app.post("/appointments/<appointment_id>/cancel")
def cancel(appointment_id: str):
    status = current_status(appointment_id)
    if status is None:
        abort(404)
    if status == "booked":
        DBOS.send(workflow_id(appointment_id), "cancelled by the booking system", topic="cancel")
        status = "cancelled"
    return jsonify(appointment_id=appointment_id, status=status)


@app.get("/appointments/<appointment_id>")
def status(appointment_id: str):
    status = current_status(appointment_id)
    if status is None:
        abort(404)
    return jsonify(appointment_id=appointment_id, status=status)


def main() -> None:
    config: DBOSConfig = {
        "name": "clinic-reminders",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "12",
    }
    DBOS(config=config)
    DBOS.launch()
    bind = os.environ.get("CLINIC_BIND", "127.0.0.1:8080")
    if bind.startswith("unix://"):
        app.run(host=bind, port=0, threaded=True)
    else:
        host, port = bind.rsplit(":", 1)
        app.run(host=host, port=int(port), threaded=True)


if __name__ == "__main__":
    main()
