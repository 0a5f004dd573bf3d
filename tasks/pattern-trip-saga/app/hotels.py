"""Our hotel partner's booking API (a stand-in; logs to `HOTELS_LOG`). Do not modify.

Every cancellation is charged a handling fee, including a repeated cancellation of the same booking.
"""

import partners


def book_room(trip_id: str, hotel: str, nights: int, guest: str) -> str:
    booking_id = f"htl-{trip_id}-{len(partners.records('HOTELS_LOG', 'hotels.jsonl')) + 1}"
    partners.log("HOTELS_LOG", "hotels.jsonl", {"event": "book", "trip_id": trip_id, "hotel": hotel,
                                                 "nights": nights, "guest": guest, "booking_id": booking_id})
    return booking_id


def cancel_booking(booking_id: str) -> None:
    partners.before_undo()
    partners.log("HOTELS_LOG", "hotels.jsonl", {"event": "cancel", "booking_id": booking_id})
