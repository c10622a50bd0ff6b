"""OA adapter: the hub's link to OA (office automation: the managers' to-do and to-read lists).

Consumes queue ``oa`` — ``oa.PushTodo`` and ``oa.PushToRead`` (commands), posted to OA as XML over HTTP
(``hub.gateways.XmlGateway``), the ItemId the outcome — and the broadcast ``nsp.OutageNotice``, which becomes
one ``oa.PushToRead`` per manager of an affected area (``[adapters.oa.area_managers]``) and per manager told of
the notice before, each sent as its own command. OA's ``oa.CompleteTodo`` call-back comes back through the ingress
to the workflow, not here; the hub's own ``oa.CompleteTodo`` (source ``HUB``) comes here, and the to-dos it closed
are kept (``ClosedTodos``) so that a push of one arriving later opens nothing.
"""

from adapters.oa.client import OaClient
from adapters.oa.closed_todos import ClosedTodos, ClosedTodosFile, MemoryClosedTodos
from adapters.oa.handlers import CONSUMER, handlers
from adapters.oa.mapping import InconsistentNotice, OaItem, OutageNotice
from adapters.oa.notice_book import MemoryNoticeBook
from adapters.oa.notice_file import NoticeBookFile
from adapters.oa.readers import AreaManagers
from adapters.oa.versions import NoticeVersion, Offer, ToReadVersions
from adapters.oa.wiring import close, dependencies

__all__ = ["CONSUMER", "AreaManagers", "ClosedTodos", "ClosedTodosFile", "InconsistentNotice", "MemoryClosedTodos",
           "MemoryNoticeBook", "NoticeBookFile", "NoticeVersion", "OaClient", "OaItem", "Offer", "OutageNotice",
           "ToReadVersions", "close", "dependencies", "handlers"]
