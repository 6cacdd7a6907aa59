"""The public reports as open data (issue 27.3): a dataset as GeoJSON and CSV refreshed daily by a durable job
(or `flask opendata build`), a DCAT-AP-SE catalogue for Sweden's data portal, and the dataset's public page."""
