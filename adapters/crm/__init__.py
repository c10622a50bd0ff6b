"""CRM adapter: the hub's link to CRM (customer relationship management: account managers of VIP and group customers).

Consumes queue ``crm``: ``crm.NotifyAccountManager`` (a command) has CRM notify the customer's account manager over
SOAP (``hub.gateways.SoapGateway``), the NoticeId CRM recorded being the outcome (an unknown account manager is
dead-lettered with the reason); ``nsp.OutageNotice`` (broadcast) becomes a ``crm.NotifyAreaOutage`` command, which
has CRM tell the account managers of the VIP and group customers in the affected areas (CRM keeps the
newest revision and status of each notice: a stale or repeated one tells nobody, a revision adding areas tells the
account managers there). Emits ``crm.NotifyAreaOutage``.
"""

from adapters.crm.client import AccountManagerNotFound, CrmClient
from adapters.crm.handlers import CONSUMER, handlers
from adapters.crm.mapping import AccountManagerNotice, AccountManagerTold, AreaOutageTold
from adapters.crm.wiring import close, dependencies

__all__ = ["CONSUMER", "AccountManagerNotFound", "AccountManagerNotice", "AccountManagerTold", "AreaOutageTold",
           "CrmClient", "close", "dependencies", "handlers"]
