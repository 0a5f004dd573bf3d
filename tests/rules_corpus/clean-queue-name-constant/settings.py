import os

EMAIL_QUEUE = "emails"
SYSTEM_DB = os.environ["DBOS_SYSTEM_DATABASE_URL"]
