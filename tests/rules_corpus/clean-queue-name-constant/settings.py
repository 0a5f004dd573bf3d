import os

EMAIL_QUEUE = "emails"
SYSTEM_DB = os.environ.get("DBOS_SYSTEM_DATABASE_URL", "sqlite:///mail.sqlite")
