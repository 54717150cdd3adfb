"""One module of routes per page of the app."""
