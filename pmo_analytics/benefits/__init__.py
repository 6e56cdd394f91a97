"""benefits room."""
