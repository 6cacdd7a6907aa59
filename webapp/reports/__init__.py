"""The resident side: reporting a place, supporting a report, following it."""
