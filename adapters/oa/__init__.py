"""OA adapter: the hub's link to OA (office automation: the managers' to-do and to-read lists).

Consumes queue ``oa`` — ``oa.PushTodo`` and ``oa.PushToRead`` (commands), posted to OA as XML over HTTP
(``hub.gateways.XmlGateway``), the ItemId the outcome — and the broadcast ``nsp.OutageNotice``, which becomes
one ``oa.PushToRead`` per manager of an affected area (``[adapters.oa.area_managers]``) and per manager told of
the notice before, each sent as its own command. OA's ``oa.CompleteTodo`` call-back comes back through the ingress
to the workflow, not here; the hub's own ``oa.CompleteTodo`` and ``oa.WithdrawToRead`` (source ``HUB``) come here,
and the to-dos it closed and to-reads it withdrew are kept (``ClosedItems``) so that a push of one arriving later
opens nothing. Both records (the notices' and the closed items') are kept where every OA worker of the deployment
shares them: the PostgreSQL database of ``[workers] processed_store`` when it names one, else a SQLite file per
machine (``adapters.oa.wiring``).
"""

from adapters.oa.client import OaClient
from adapters.oa.closed_items import ClosedItems, ClosedItemsFile, MemoryClosedItems
from adapters.oa.closed_items_postgres import PostgresClosedItems
from adapters.oa.handlers import CONSUMER, handlers
from adapters.oa.mapping import InconsistentNotice, OaItem, OutageNotice
from adapters.oa.notice_book import MemoryNoticeBook
from adapters.oa.notice_file import NoticeBookFile
from adapters.oa.notice_postgres import PostgresNoticeBook
from adapters.oa.readers import AreaManagers
from adapters.oa.versions import NoticeVersion, Offer, ToReadVersions
from adapters.oa.wiring import close, dependencies

__all__ = ["CONSUMER", "AreaManagers", "ClosedItems", "ClosedItemsFile", "InconsistentNotice", "MemoryClosedItems",
           "MemoryNoticeBook", "NoticeBookFile", "NoticeVersion", "OaClient", "OaItem", "Offer", "OutageNotice",
           "PostgresClosedItems", "PostgresNoticeBook", "ToReadVersions", "close", "dependencies", "handlers"]
