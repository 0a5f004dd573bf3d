"""Runtime settings. Everything comes from the environment (set by the Kubernetes CronJob spec)."""

import os

from dbos import DBOSConfig

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
# The release tag of the deployed image (e.g. "r-207"), set by the deploy pipeline.
APP_VERSION = os.environ.get("APP_VERSION", "dev")


def dbos_config() -> DBOSConfig:
    """DBOS settings for the purge job, read from the environment when the job starts."""
    return {
        "name": "privacy-purge",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "log_level": LOG_LEVEL,
    }
