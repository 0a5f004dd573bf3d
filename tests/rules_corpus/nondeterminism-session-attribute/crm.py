import requests
from dbos import DBOS, DBOSConfiguredInstance


@DBOS.dbos_class()
class CrmSync(DBOSConfiguredInstance):
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        super().__init__(config_name=base_url)

    @DBOS.step()
    def save(self, contact: dict) -> None:
        print("saved", contact["id"])

    @DBOS.workflow()
    def sync_contact(self, contact_id: str) -> dict:
        contact = self.http.get(f"{self.base_url}/contacts/{contact_id}", timeout=5).json()
        self.save(contact)
        return contact
