import requests
from dbos import DBOS, DBOSConfiguredInstance


@DBOS.dbos_class()
class Account(DBOSConfiguredInstance):
    def __init__(self, region: str) -> None:
        self.region = region
        super().__init__(config_name=region)

    @DBOS.step()
    def fetch_balance(self, account_id: str) -> int:
        return requests.get(f"https://{self.region}.bank.example.com/{account_id}", timeout=5).json()["b"]

    @DBOS.workflow()
    def audit(self, account_id: str) -> bool:
        return self.fetch_balance(account_id) >= 0


eu_accounts = Account("eu")
