"""The growth team's welcome series for new signups (already durable with DBOS). Do not modify.

The growth team ships new releases of this module with our regular deploys.
"""

from dbos import DBOS

import mailer


@DBOS.step()
def send_welcome(email: str, template: str) -> None:
    mailer.send(email, f"welcome:{template}", {"template": template})


@DBOS.workflow()
def welcome_series(email: str) -> None:
    send_welcome(email, "day-0")
