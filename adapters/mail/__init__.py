"""Mail adapter: the hub's link to the handlers of offline departments, by e-mail (docs/offline-mail.md).

Consumes queue ``mail``: ``mail.DispatchMail`` (a command, sent by the workflow when a work order is dispatched to a
department marked offline in ``[mail.offline.<code>]``) becomes one e-mail to the department's mailbox over SMTP
(``[mail] smtp_host`` / ``smtp_port``, from ``[mail] sender``), its subject carrying the hook ``[WO#<id>]`` and the
dispatch's token; ``mail.WithdrawMail`` (that dispatch ended) becomes the short mail telling the handler no answer
is needed. The handler's answer comes back through the hub's mail ingress (``POST /mail/inbound``), not
through this queue.
"""

from adapters.mail.client import MailClient
from adapters.mail.handlers import CONSUMER, handlers
from adapters.mail.mapping import ANSWER_MARK, dispatch_message
from adapters.mail.wiring import close, dependencies

__all__ = ["ANSWER_MARK", "CONSUMER", "MailClient", "close", "dependencies", "dispatch_message", "handlers"]
