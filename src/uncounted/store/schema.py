"""The project database schema, as an ordered list of migrations.

A project records the version it was last migrated to in ``meta``. Opening a project runs the
migrations it has not had, in one transaction, so an old project is brought up to date or left
untouched. Migrations are append-only: never edit one that has shipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import duckdb

Migration = Callable[[duckdb.DuckDBPyConnection], None]


def _v1_sources_and_records(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
        CREATE TABLE lists (
            name VARCHAR PRIMARY KEY,
            created_at TIMESTAMP NOT NULL
        );
        CREATE TABLE sources (
            sha256 VARCHAR PRIMARY KEY,
            list VARCHAR NOT NULL REFERENCES lists(name),
            release DATE,
            original_name VARCHAR NOT NULL,
            stored_path VARCHAR NOT NULL,
            format VARCHAR NOT NULL,
            encoding VARCHAR,
            size_bytes BIGINT NOT NULL,
            header_row INTEGER,
            rows INTEGER NOT NULL,
            records INTEGER NOT NULL,
            quarantined INTEGER NOT NULL,
            blank_lines INTEGER NOT NULL,
            profile VARCHAR,
            mapping VARCHAR NOT NULL,
            checks VARCHAR NOT NULL,
            ingested_at TIMESTAMP NOT NULL,
            uncounted_version VARCHAR NOT NULL
        );
        CREATE TABLE records (
            record_id VARCHAR PRIMARY KEY,
            source_sha256 VARCHAR NOT NULL REFERENCES sources(sha256),
            list VARCHAR NOT NULL,
            release DATE,
            row_number INTEGER NOT NULL,
            raw VARCHAR NOT NULL,
            full_name VARCHAR,
            given_name VARCHAR,
            father_name VARCHAR,
            grandfather_name VARCHAR,
            family_name VARCHAR,
            full_name_latin VARCHAR,
            sex VARCHAR,
            age_years DOUBLE,
            date_of_birth DATE,
            date_of_death DATE,
            place VARCHAR,
            id_number VARCHAR,
            status VARCHAR,
            event_date DATE,
            id_check VARCHAR,
            dob_placeholder BOOLEAN NOT NULL,
            duplicate_of INTEGER,
            issues VARCHAR NOT NULL
        );
        CREATE TABLE quarantine (
            source_sha256 VARCHAR NOT NULL REFERENCES sources(sha256),
            row_number INTEGER NOT NULL,
            raw VARCHAR NOT NULL,
            reasons VARCHAR NOT NULL,
            PRIMARY KEY (source_sha256, row_number)
        );
        """
    )


def _v2_command_log(con: duckdb.DuckDBPyConnection) -> None:
    # Every command that changes the project is logged, so a report can say how it was built.
    con.execute(
        """
        CREATE SEQUENCE command_log_seq START 1;
        CREATE TABLE command_log (
            id BIGINT PRIMARY KEY DEFAULT nextval('command_log_seq'),
            command VARCHAR NOT NULL,
            arguments VARCHAR NOT NULL,
            outcome VARCHAR NOT NULL,
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP NOT NULL,
            uncounted_version VARCHAR NOT NULL
        );
        """
    )


def _v3_linkage(con: duckdb.DuckDBPyConnection) -> None:
    # Linkage: every run with its model and scored pairs; the current persons, each record's
    # person, what each run did to person ids; and people's review decisions on pairs.
    # Run, event and person numbers are computed inside the writing transaction, not drawn
    # from sequences, which DuckDB does not roll back: a killed run must leave no gap, so the
    # same inputs give the same ids. Record pairs are always stored with record_id_l <
    # record_id_r. Persons and person_records are rewritten by every run and have no index.
    con.execute(
        """
        CREATE TABLE link_runs (
            run_id INTEGER PRIMARY KEY,
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP NOT NULL,
            threshold DOUBLE NOT NULL,
            seed BIGINT NOT NULL,
            backend VARCHAR NOT NULL,
            settings VARCHAR NOT NULL,
            model VARCHAR NOT NULL,
            records BIGINT NOT NULL,
            candidate_pairs BIGINT NOT NULL,
            persons BIGINT NOT NULL,
            persons_created BIGINT NOT NULL,
            persons_merged BIGINT NOT NULL,
            persons_split BIGINT NOT NULL,
            decisions_applied BIGINT NOT NULL,
            conflicts VARCHAR NOT NULL,
            uncounted_version VARCHAR NOT NULL
        );
        CREATE TABLE link_pairs (
            run_id INTEGER NOT NULL,
            record_id_l VARCHAR NOT NULL,
            record_id_r VARCHAR NOT NULL,
            match_probability DOUBLE NOT NULL,
            match_weight DOUBLE NOT NULL,
            comparison_weights VARCHAR NOT NULL
        );
        CREATE TABLE persons (
            person_id VARCHAR NOT NULL,
            n_records INTEGER NOT NULL,
            lists VARCHAR[] NOT NULL,
            sex VARCHAR,
            age_years DOUBLE,
            age_group VARCHAR,
            place VARCHAR,
            date_of_death DATE,
            run_id INTEGER NOT NULL
        );
        CREATE TABLE person_records (
            record_id VARCHAR NOT NULL,
            person_id VARCHAR NOT NULL,
            run_id INTEGER NOT NULL
        );
        CREATE TABLE person_events (
            event_id BIGINT PRIMARY KEY,
            run_id INTEGER NOT NULL,
            event VARCHAR NOT NULL CHECK (event IN ('created', 'merged', 'split')),
            person_id VARCHAR NOT NULL,
            other_ids VARCHAR[] NOT NULL,
            n_records INTEGER NOT NULL
        );
        CREATE SEQUENCE review_decisions_seq START 1;
        CREATE TABLE review_decisions (
            decision_id BIGINT PRIMARY KEY DEFAULT nextval('review_decisions_seq'),
            record_id_l VARCHAR NOT NULL,
            record_id_r VARCHAR NOT NULL,
            decision VARCHAR NOT NULL CHECK (decision IN ('accept', 'reject', 'skip')),
            reviewer VARCHAR NOT NULL,
            decided_at TIMESTAMP NOT NULL,
            note VARCHAR,
            run_id INTEGER,
            match_probability DOUBLE,
            CHECK (record_id_l < record_id_r)
        );
        """
    )


def _v4_estimates_users_audit(con: duckdb.DuckDBPyConnection) -> None:
    # Estimates are kept so a report or a page shows the very numbers a command printed, with
    # the settings and seed that reproduce them. Users and the audit log serve the web app:
    # passwords are stored only as memory-hard hashes; every change anyone makes through the
    # app is one audit row, written in the same transaction as the change.
    con.execute(
        """
        CREATE TABLE estimate_runs (
            estimate_id INTEGER PRIMARY KEY,
            created_at TIMESTAMP NOT NULL,
            link_run_id INTEGER,
            method VARCHAR NOT NULL,
            strata VARCHAR[] NOT NULL,
            seed BIGINT NOT NULL,
            settings VARCHAR NOT NULL,
            result VARCHAR NOT NULL,
            uncounted_version VARCHAR NOT NULL
        );
        CREATE TABLE users (
            username VARCHAR PRIMARY KEY,
            password_hash VARCHAR NOT NULL,
            role VARCHAR NOT NULL CHECK (role IN ('viewer', 'reviewer', 'admin')),
            created_at TIMESTAMP NOT NULL,
            disabled BOOLEAN NOT NULL DEFAULT false
        );
        CREATE SEQUENCE audit_log_seq START 1;
        CREATE TABLE audit_log (
            audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_seq'),
            happened_at TIMESTAMP NOT NULL,
            username VARCHAR NOT NULL,
            action VARCHAR NOT NULL,
            target VARCHAR,
            details VARCHAR NOT NULL
        );
        """
    )


def _v5_web_sessions_and_login_attempts(con: duckdb.DuckDBPyConnection) -> None:
    # The web app's logged-in sessions live here, not only in the signed cookie, so logout, a
    # password change or disabling a user ends them at once (a copied cookie stops working);
    # only a hash of each session id is kept. Failed logins are kept too, so the throttle
    # holds across restarts; times are Unix seconds, compared with the server's clock.
    con.execute(
        """
        CREATE TABLE web_sessions (
            sid_hash VARCHAR PRIMARY KEY,
            username VARCHAR NOT NULL,
            created_at DOUBLE NOT NULL,
            expires_at DOUBLE NOT NULL
        );
        CREATE TABLE login_attempts (
            username VARCHAR NOT NULL,
            client VARCHAR NOT NULL,
            attempted_at DOUBLE NOT NULL
        );
        """
    )


MIGRATIONS: Final[tuple[Migration, ...]] = (
    _v1_sources_and_records,
    _v2_command_log,
    _v3_linkage,
    _v4_estimates_users_audit,
    _v5_web_sessions_and_login_attempts,
)
SCHEMA_VERSION: Final = len(MIGRATIONS)


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    # fetchall, not fetchone: DuckDB refuses other work on a connection (register, sql) while
    # a result is left unfinished.
    has_meta = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    ).fetchall()
    if not has_meta or not has_meta[0][0]:
        return 0
    rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    return int(rows[0][0]) if rows else 0


def migrate(con: duckdb.DuckDBPyConnection, target: int = SCHEMA_VERSION) -> tuple[int, int]:
    """Bring the schema to ``target`` in the caller's transaction; returns (before, after)."""
    before = current_version(con)
    for version in range(before + 1, target + 1):
        MIGRATIONS[version - 1](con)
        con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(version)])
    return before, max(before, target)
