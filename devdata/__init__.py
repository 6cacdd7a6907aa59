"""Made-up data for development, demonstrations and benchmarks; not part of the running app.

`demo` loads the demo (`flask demo load`, `flask demo logins`), `benchdata` bulk-inserts many reports
(`flask bench generate`). Only the CLI commands, bench/ and tests import them.
"""
