"""The JSON API the pages use (/api/v1) and, later, Open311 GeoReport v2."""
