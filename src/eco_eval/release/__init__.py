"""The release: a period's anonymised, suppression-logged frames, computed once and saved."""
