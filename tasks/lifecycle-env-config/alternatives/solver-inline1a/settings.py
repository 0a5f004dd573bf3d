"""Runtime settings. Everything comes from the environment (set by the Kubernetes CronJob spec)."""

import os

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
# The release tag of the deployed image (e.g. "r-207"), set by the deploy pipeline.
APP_VERSION = os.environ.get("APP_VERSION", "dev")
# Postgres connection string of the DBOS system database.
DBOS_SYSTEM_DATABASE_URL = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
