"""The consumer runtime: handlers registered by command type, run by a ``Worker`` per consumer queue.

``Worker`` consumes a queue from a ``Broker``, decodes each ``Envelope``, runs its handler once per message
id (``ProcessedStore``), and settles: ack after the effect is committed, retry through the delay tiers, or
dead-letter with the reason (``hub.workers.retry`` documents the bound on attempts). ``WorkerTestClient``
runs the same pipeline without a broker; ``DeadLetterQueues`` lists, shows, replays and purges the DLQs.
"""

from hub.workers.classify import Classification, Classifier, Verdict
from hub.workers.dlq import DeadLetter, DeadLetterQueues, ReplayReport
from hub.workers.errors import BusinessRejection, PermanentError, TransientError, UnknownCommandError
from hub.workers.processor import Action, Decision, Processor
from hub.workers.registry import HandlerContext, HandlerRegistry, HandlerSpec
from hub.workers.retry import RetryPolicy, max_total_attempts, run_with_retries
from hub.workers.testing import SendResult, WorkerTestClient
from hub.workers.worker import Worker

__all__ = [
    "Action",
    "BusinessRejection",
    "Classification",
    "Classifier",
    "DeadLetter",
    "DeadLetterQueues",
    "Decision",
    "HandlerContext",
    "HandlerRegistry",
    "HandlerSpec",
    "PermanentError",
    "Processor",
    "ReplayReport",
    "RetryPolicy",
    "SendResult",
    "TransientError",
    "UnknownCommandError",
    "Verdict",
    "Worker",
    "WorkerTestClient",
    "max_total_attempts",
    "run_with_retries",
]
