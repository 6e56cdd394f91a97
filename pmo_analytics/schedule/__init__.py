"""schedule room."""
