"""Appointment reminders for the clinic's booking system.

    python clinic_api.py        # listens on CLINIC_BIND (default 127.0.0.1:8080; production uses a unix socket)

When the booking system books an appointment we text the patient a confirmation, and REMINDER_LEAD_S
seconds before the appointment (default: one day) a reminder. Cancelled appointments get a cancellation
text and no reminder.

Each appointment is a durable DBOS workflow (workflow ID ``appointment-<appointment_id>``): it texts the
confirmation, then waits durably until the reminder is due or a cancellation message arrives. The wait's
deadline is checkpointed, so after a restart the reminder still goes out at the time it was due (or right
away if that time has passed). Requires DBOS_SYSTEM_DATABASE_URL.
"""

import os
import time
from datetime import datetime, timezone
from typing import Optional

from flask import Flask, abort, jsonify, request

from dbos import DBOS, DBOSConfig, SetWorkflowID

import sms

DEFAULT_REMINDER_LEAD_S = 86400.0
CANCEL_TOPIC = "cancel"
STATUS_EVENT = "status"

app = Flask(__name__)


def reminder_lead_s() -> float:
    return float(os.environ.get("REMINDER_LEAD_S", DEFAULT_REMINDER_LEAD_S))


def when(starts_at: float) -> str:
    return datetime.fromtimestamp(starts_at, timezone.utc).strftime("%a %d %b %H:%M UTC")


def workflow_id_for(appointment_id: str) -> str:
    return f"appointment-{appointment_id}"


# --- steps ---


@DBOS.step()
def send_sms(phone: str, kind: str, appointment_id: str, text: str) -> None:
    sms.send(phone, kind, appointment_id, text)


@DBOS.step()
def seconds_until(timestamp: float) -> float:
    return max(0.0, timestamp - time.time())


# --- workflow ---


@DBOS.workflow()
def appointment_workflow(appointment_id: str, phone: str, starts_at: float, lead_s: float) -> str:
    DBOS.set_event(STATUS_EVENT, "booked")
    send_sms(phone, "confirmation", appointment_id, f"Your appointment is booked for {when(starts_at)}.")

    # Durable wait: the deadline is checkpointed, so a recovered workflow waits only for the time left.
    delay = seconds_until(starts_at - lead_s)
    cancel_request = DBOS.recv(CANCEL_TOPIC, timeout_seconds=delay)

    if cancel_request is not None:
        send_sms(phone, "cancellation", appointment_id, "Your appointment has been cancelled.")
        DBOS.set_event(STATUS_EVENT, "cancelled")
        return "cancelled"

    send_sms(phone, "reminder", appointment_id, f"Reminder: your appointment is on {when(starts_at)}.")
    DBOS.set_event(STATUS_EVENT, "reminded")
    return "reminded"


# --- HTTP interface ---


def _current_status(workflow_id: str) -> Optional[str]:
    """The appointment's last reported status, or None if we don't know the appointment."""
    if DBOS.get_workflow_status(workflow_id) is None:
        return None
    return DBOS.get_event(workflow_id, STATUS_EVENT, timeout_seconds=5) or "booked"


@app.post("/appointments")
def book():
    body = request.get_json()
    appointment_id, phone, starts_at = body["appointment_id"], body["phone"], float(body["starts_at"])
    workflow_id = workflow_id_for(appointment_id)
    existing = _current_status(workflow_id)
    if existing is not None:  # the booking system retries: don't text twice
        return jsonify(appointment_id=appointment_id, status=existing), 200
    # The workflow ID is derived from the appointment, so concurrent retries still start one workflow.
    with SetWorkflowID(workflow_id):
        DBOS.start_workflow(appointment_workflow, appointment_id, phone, starts_at, reminder_lead_s())
    return jsonify(appointment_id=appointment_id, status="booked"), 201


@app.post("/appointments/<appointment_id>/cancel")
def cancel(appointment_id: str):
    workflow_id = workflow_id_for(appointment_id)
    current = _current_status(workflow_id)
    if current is None:
        abort(404)
    if current == "booked":
        DBOS.send(workflow_id, "cancel", topic=CANCEL_TOPIC)
        # The workflow either consumes the cancellation, or had already sent the reminder.
        current = DBOS.retrieve_workflow(workflow_id).get_result()
    return jsonify(appointment_id=appointment_id, status=current)


@app.get("/appointments/<appointment_id>")
def status(appointment_id: str):
    current = _current_status(workflow_id_for(appointment_id))
    if current is None:
        abort(404)
    return jsonify(appointment_id=appointment_id, status=current)


def main() -> None:
    config: DBOSConfig = {
        "name": "clinic-reminders",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()  # recovers pending reminders

    bind = os.environ.get("CLINIC_BIND", "127.0.0.1:8080")
    try:
        if bind.startswith("unix://"):
            app.run(host=bind, port=0, threaded=True)
        else:
            host, port = bind.rsplit(":", 1)
            app.run(host=host, port=int(port), threaded=True)
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
