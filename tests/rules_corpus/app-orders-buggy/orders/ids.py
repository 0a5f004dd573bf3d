import uuid


def tracking_number() -> str:
    return "TRK-" + uuid.uuid4().hex[:10].upper()
