"""How the CMS uses `submit.py` (for reference; the CMS is a long-running web service)."""

import submit


def on_video_saved(video_id: str, source: str, breaking_news: bool) -> str:
    return submit.submit(video_id, source, urgent=breaking_news)
