"""Hands video renders from the CMS to the render farm.

TODO: implement (see the request). The CMS calls:
    submit(video_id: str, source: str, urgent: bool = False, not_before: datetime | None = None) -> str
                                                                      # returns a job id
    wait(job_id: str, timeout_s: float = 600) -> dict                 # the render's result
"""

from datetime import datetime


def submit(video_id: str, source: str, urgent: bool = False, not_before: datetime | None = None) -> str:
    raise NotImplementedError


def wait(job_id: str, timeout_s: float = 600) -> dict:
    raise NotImplementedError
