"""Hand-off to the systems a kommun already has: per department or category a send method (none, e-mail or an
external Open311 GeoReport v2 endpoint), a durable send with retries and a visible state per report, and the
status coming back from Open311 targets (issue 26.2)."""
