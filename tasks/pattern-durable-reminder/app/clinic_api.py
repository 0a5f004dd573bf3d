"""Appointment reminders for the clinic's booking system.

    python clinic_api.py        # listens on CLINIC_BIND (default 127.0.0.1:8080; production uses a unix socket)

When the booking system books an appointment we text the patient a confirmation, and REMINDER_LEAD_S
seconds before the appointment (default: one day) a reminder. Cancelled appointments get a cancellation
text and no reminder.
"""

import os
import threading
import time
from datetime import datetime, timezone

from flask import Flask, abort, jsonify, request

import sms

REMINDER_LEAD_S = float(os.environ.get("REMINDER_LEAD_S", "86400"))

app = Flask(__name__)

APPOINTMENTS: dict[str, dict] = {}  # appointment_id -> {"status": ..., "timer": ...}


def when(starts_at: float) -> str:
    return datetime.fromtimestamp(starts_at, timezone.utc).strftime("%a %d %b %H:%M UTC")


def send_reminder(appointment_id: str, phone: str, starts_at: float) -> None:
    sms.send(phone, "reminder", appointment_id, f"Reminder: your appointment is on {when(starts_at)}.")
    APPOINTMENTS[appointment_id]["status"] = "reminded"


@app.post("/appointments")
def book():
    body = request.get_json()
    appointment_id, phone, starts_at = body["appointment_id"], body["phone"], float(body["starts_at"])
    if appointment_id in APPOINTMENTS:  # the booking system retries: don't text twice
        return jsonify(appointment_id=appointment_id, status=APPOINTMENTS[appointment_id]["status"]), 200
    sms.send(phone, "confirmation", appointment_id, f"Your appointment is booked for {when(starts_at)}.")
    delay = max(0.0, starts_at - REMINDER_LEAD_S - time.time())
    timer = threading.Timer(delay, send_reminder, args=(appointment_id, phone, starts_at))
    APPOINTMENTS[appointment_id] = {"status": "booked", "phone": phone, "timer": timer}
    timer.start()
    return jsonify(appointment_id=appointment_id, status="booked"), 201


@app.post("/appointments/<appointment_id>/cancel")
def cancel(appointment_id: str):
    appointment = APPOINTMENTS.get(appointment_id)
    if appointment is None:
        abort(404)
    if appointment["status"] == "booked":
        appointment["timer"].cancel()
        sms.send(appointment["phone"], "cancellation", appointment_id, "Your appointment has been cancelled.")
        appointment["status"] = "cancelled"
    return jsonify(appointment_id=appointment_id, status=appointment["status"])


@app.get("/appointments/<appointment_id>")
def status(appointment_id: str):
    appointment = APPOINTMENTS.get(appointment_id)
    if appointment is None:
        abort(404)
    return jsonify(appointment_id=appointment_id, status=appointment["status"])


def main() -> None:
    bind = os.environ.get("CLINIC_BIND", "127.0.0.1:8080")
    if bind.startswith("unix://"):
        app.run(host=bind, port=0, threaded=True)
    else:
        host, port = bind.rsplit(":", 1)
        app.run(host=host, port=int(port), threaded=True)


if __name__ == "__main__":
    main()
