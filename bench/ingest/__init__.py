"""Helpers of ``bench/backbone.py``: the 2 KB work order, the wrk script and its runner, the minimal-pipeline app,
the queue drainer and the server processes. Benchmarks, not tests."""
