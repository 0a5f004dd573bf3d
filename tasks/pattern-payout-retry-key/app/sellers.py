"""Seller directory: where a seller's money goes and who hears about it."""

from dataclasses import dataclass

SELLERS = {
    "s-101": ("acct_nl_4410", "orders@tulipworks.example"),
    "s-102": ("acct_laggy_de_2207", "hallo@kaffeerad.example"),
    "s-103": ("acct_closed_fr_9001", "bonjour@savonnerie.example"),
    "s-104": ("acct_es_3145", "hola@ceramica.example"),
    "s-105": ("acct_offline_it_7788", "ciao@pastaio.example"),
    "s-106": ("acct_laggy_be_5120", "info@frietkot.example"),
}


@dataclass(frozen=True)
class Seller:
    seller_id: str
    account: str
    email: str


def lookup(seller_id: str, account: str | None = None, email: str | None = None) -> Seller:
    """The seller's payout account and email; a payout line may override both (used by finance for tests)."""
    known_account, known_email = SELLERS.get(seller_id, (None, None))
    if (account or known_account) is None:
        raise KeyError(f"unknown seller {seller_id}")
    return Seller(seller_id, account or known_account, email or known_email or f"{seller_id}@example.com")
