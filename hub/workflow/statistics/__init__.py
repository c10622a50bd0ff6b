"""Complaint statistics (issue 13): hot spots, per-SP figures, SLA compliance and shares, from maintained counters."""
