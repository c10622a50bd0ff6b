"""The work-order engine: every channel's complaint becomes one work order in one database, moved forward only
by the lifecycle table, its time limits from the customer's tier in the owners' business calendars.

The consumer of queue ``workflow`` is assembled by ``hub.workflow.wiring`` (handlers, the work-order store as its
processed store, the deadline scheduler and the event publisher beside the worker). The layers inside the package
are an import-linter contract (``workflow-layers``, ARCHITECTURE.md); the package itself imports nothing at import
time, so ``hub.workflow.lifecycle`` or the taxonomy can be used without the database or the broker.
"""
