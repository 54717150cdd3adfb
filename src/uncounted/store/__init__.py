"""uncounted.store: the project folder and its database."""

from uncounted.store.project import Project
from uncounted.store.schema import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "Project"]
