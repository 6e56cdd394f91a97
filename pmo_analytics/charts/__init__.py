"""charts room."""
