"""The consumer runtime: handlers registered by command type, run by a ``Worker`` per consumer queue.

``Worker`` consumes a queue from a ``Broker``, decodes each ``Envelope``, runs its handler once per message
id (``ProcessedStore``), and settles: ack after the effect is committed, retry through the delay tiers, or
dead-letter with the reason (``hub.workers.retry`` documents the bound on attempts); a message whose system
is down (``CallsHeldBack``, an open circuit) waits in a delay tier without counting attempts
(``hub.workers.waiting``). A store that runs batches of claims in one transaction (``hub.workers.claims``: the
work-order store) gives the worker its batch mode (``hub.workers.batch``: one commit and one round of confirms per
batch, each message's guarantees kept). ``WorkerTestClient``
runs the same pipeline without a broker; ``DeadLetterQueues`` lists, shows, replays and purges the DLQs.

A handler answers a request with ``Reply(document)`` (or refuses it with ``BusinessRejection(..., code=)``,
sent back as ``c:Error``) and sends commands with its ``outbound`` (a ``Sender``, ids derived from the
message it handles)::

    @handlers.handler("boss.QueryCustomerTier")
    def tier(envelope: Envelope, boss: BossClient) -> Reply:
        return Reply(boss.tier_response(envelope.payload))

    @handlers.handler("workorder.CreateWorkOrder", consumer="workflow")
    def create(envelope: Envelope, outbound: Sender) -> str:
        outbound.send(dispatch_document(envelope), step="dispatch-nsp")
        return "dispatched"

    Worker(broker, "workflow", handlers, store=store, outbound=BrokerOutbound(broker, table, validator))
"""

from hub.routing.outbound import BrokerOutbound, Outbound, RecordingOutbound, Sender
from hub.workers.classify import Classification, Classifier, Verdict
from hub.workers.dlq import DeadLetter, DeadLetterQueues, ReplayReport
from hub.workers.errors import (
    BusinessRejection,
    CallsHeldBack,
    PermanentError,
    SystemAnsweredFailure,
    TransientError,
    UnknownCommandError,
)
from hub.workers.processor import Action, Decision, Processor
from hub.workers.registry import HandlerContext, HandlerRegistry, HandlerSpec
from hub.workers.reply import Reply, error_document
from hub.workers.retry import RetryPolicy, max_total_attempts, run_with_retries
from hub.workers.testing import SendResult, WorkerTestClient
from hub.workers.worker import Worker

__all__ = [
    "Action",
    "BrokerOutbound",
    "BusinessRejection",
    "CallsHeldBack",
    "Classification",
    "Classifier",
    "DeadLetter",
    "DeadLetterQueues",
    "Decision",
    "HandlerContext",
    "HandlerRegistry",
    "HandlerSpec",
    "Outbound",
    "PermanentError",
    "Processor",
    "RecordingOutbound",
    "ReplayReport",
    "Reply",
    "RetryPolicy",
    "SendResult",
    "Sender",
    "SystemAnsweredFailure",
    "TransientError",
    "UnknownCommandError",
    "Verdict",
    "Worker",
    "WorkerTestClient",
    "error_document",
    "max_total_attempts",
    "run_with_retries",
]
