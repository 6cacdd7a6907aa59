"""Heat maps, grids, GIS exports and (later) the follow-up indicators: pure functions over queries."""
