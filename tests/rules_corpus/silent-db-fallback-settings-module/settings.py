import os

APP_VERSION = os.environ.get("APP_VERSION", "1")
DATABASE_URL = os.getenv("DBOS_SYSTEM_DATABASE_URL", "sqlite:///payments.sqlite")
