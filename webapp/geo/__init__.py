"""Districts, zones, the kommun boundary, and WGS84 <-> SWEREF 99 TM."""
