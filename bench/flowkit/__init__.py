"""Helpers of ``bench/flows.py``: the load generators, the requests it sends and the processes it runs. Benchmarks,
not tests."""
