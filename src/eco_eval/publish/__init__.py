"""Publication: the period's staged folder, the deep dives, the open data, the index, the run."""
