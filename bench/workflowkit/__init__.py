"""Helpers of ``bench/workflow.py``: documents, the hub's and the minimal consumer processes, the stores."""
