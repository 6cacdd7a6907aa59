"""Hot spots for the police (annex 1): where residents feel unsafe, by time of day and weekday, and the patrol
sheet. Read-only over the public reports."""
