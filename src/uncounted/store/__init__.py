"""uncounted.store: the project folder and its database, and the one door to its tables.

Every layer above reads and writes the register through the functions of these modules
(plain functions taking the :class:`Project`, or the connection of the caller's transaction
for writes that must commit together); only ``store`` (and ``link``, for its own DuckDB work
on pairs) runs SQL, which ``tests/store/test_one_door.py`` checks.

- ``project``, ``schema``, ``lock``: the folder, the migrations, taking turns.
- ``lists``, ``sources``, ``records``, ``source_checks``: what was ingested.
- ``link_runs``, ``link_pairs``, ``persons``, ``person_counts``, ``person_search``: linkage.
- ``decisions``, ``review_queue``: people's review decisions and what waits for one.
- ``estimate_runs``, ``command_log``, ``status``, ``statuses``: estimates and provenance.
- ``web_accounts``: the web app's users, sessions, failed logins and audit log.
"""

from uncounted.store.project import Project
from uncounted.store.schema import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "Project"]
