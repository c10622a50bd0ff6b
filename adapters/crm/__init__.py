"""CRM adapter: the hub's link to CRM (customer relationship management: account managers of VIP and group customers).

Consumes queue ``crm`` — ``crm.NotifyAccountManager`` (a command) — and has CRM notify the customer's account
manager over SOAP (``hub.gateways.SoapGateway``); the NoticeId CRM recorded is the outcome. An unknown account
manager is dead-lettered with the reason. Emits nothing.
"""

from adapters.crm.client import AccountManagerNotFound, CrmClient
from adapters.crm.handlers import CONSUMER, handlers
from adapters.crm.mapping import AccountManagerNotice
from adapters.crm.wiring import close, dependencies

__all__ = ["CONSUMER", "AccountManagerNotFound", "AccountManagerNotice", "CrmClient", "close", "dependencies",
           "handlers"]
