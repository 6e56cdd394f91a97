"""risk room."""
