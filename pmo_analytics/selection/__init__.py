"""selection room."""
