"""Mass-complaint incidents (issue 13): N complaints of one phenomenon at one intake point open one incident."""
