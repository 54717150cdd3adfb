"""Where splink runs: DuckDB inside this process (the default), or Spark for data past one machine.

``make_db_api(name)`` gives the splink database API for a backend name, and
``settings_for_backend(settings, name)`` the model settings in that backend's SQL.

The comparisons (:mod:`uncounted.link.comparisons`) are written once, in DuckDB SQL. splink
passes a custom level's SQL to the backend as it is, and Spark SQL reads ``"name_l"`` as a
*string literal*, not a column, so for Spark every comparison level and blocking rule is
translated here (sqlglot, DuckDB → Spark), with the functions that have other names in Spark:

==============================  ==========================================================
DuckDB                          Spark
==============================  ==========================================================
``list_has_any(a, b)``          ``arrays_overlap(a, b)`` (built in)
``jaro_winkler_similarity``     ``jaro_winkler``: splink's JVM function, from the jar that
                                splink ships (``splink/internals/files/spark_jars``)
``damerau_levenshtein``         ``damerau_levenshtein``: the same jar
``date_diff('day', a, b)``      ``datediff(b, a)`` (built in)
``hash(x) % n``                 ``pmod(xxhash64(x), n)``: a bucket in [0, n) as in DuckDB,
                                though not the same bucket
``"column"``                    ```column```
==============================  ==========================================================

A model trained on one backend can score on the other: a saved model's SQL is translated the
same way, in either direction (Spark → DuckDB only for the functions above).

Spark runs locally (``local[2]``) unless a SparkSession is already active, which is then used as
it is (a cluster the caller configured; it must have splink's jar on the driver's class path).
The local session makes no network request: it binds to 127.0.0.1, has no web UI, fetches no
packages (only jars inside the pyspark and splink wheels are used) and keeps its warehouse,
spill and checkpoint files in one temporary folder removed at exit. Its size comes from
:class:`SparkSettings`, whose defaults can be overridden by the environment variables
``UNCOUNTED_SPARK_MASTER``, ``UNCOUNTED_SPARK_DRIVER_MEMORY``,
``UNCOUNTED_SPARK_SHUFFLE_PARTITIONS``, ``UNCOUNTED_SPARK_JAVA_OPTIONS`` and
``UNCOUNTED_SPARK_CODEGEN``.

DuckDB runs with one thread and at most 3 GB of memory (``UNCOUNTED_DUCKDB_MEMORY`` changes
it), spilling the rest to a private temporary folder: a million records stay within a laptop.

Determinism on Spark: a pair's comparison levels and score are a pure function of the pair and
the model, computed row by row (no aggregation), so the same model scores the same pairs with
the same probabilities on every run, and on DuckDB too within float rounding (the test checks
1e-6; measured differences are far smaller). Training reads pairs' levels from the backend and
fits in NumPy, and splink samples by hashing ids (never ``rand()``), so partitioning does not
matter: two Spark trainings gave bit-identical models, equal to DuckDB's on the test set. On
bigger sets they differ a little: the random pairs that estimate u are drawn by hash buckets,
and Spark's hash is not DuckDB's (see docs/linkage-spark.md).
"""

from __future__ import annotations

import atexit
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, cast, get_args

import duckdb
import pyarrow as pa
import sqlglot
from splink import DuckDBAPI
from splink.internals.database_api import DatabaseAPI
from splink.internals.settings_creator import SettingsCreator
from splink.internals.splink_dataframe import SplinkDataFrame
from sqlglot import exp

from uncounted.core.errors import UncountedError
from uncounted.core.scratch import scratch_folder

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

Backend = Literal["duckdb", "spark"]
# Every linkage backend, the default first: the one list the CLI and the workflow check against.
BACKENDS: Final[tuple[Backend, ...]] = get_args(Backend)
# The dialect the comparisons and blocking rules of uncounted.link are written in.
SOURCE_DIALECT: Final = "duckdb"
DEFAULT_DUCKDB_MEMORY: Final = "3GB"
MIN_JAVA: Final = 17  # Spark 4 runs on Java 17 or 21
INSTALL_HINT: Final = (
    "install it with `bash scripts/bootstrap.sh .venv` (pyspark and a Java runtime), or "
    "`pip install 'uncounted[spark]'` and a Java 17+ runtime (Debian: "
    "`apt-get install default-jre-headless`)"
)


def check_backend(name: str) -> Backend:
    """``name`` as a backend, or an UncountedError naming the ones there are."""
    if name not in BACKENDS:
        raise UncountedError(f"unknown linkage backend {name!r}: use one of {', '.join(BACKENDS)}")
    return cast(Backend, name)


# --- SQL: DuckDB <-> Spark ---------------------------------------------------------------------


def _call(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _is_call(node: exp.Expression, name: str) -> bool:
    return isinstance(node, exp.Anonymous) and node.name.lower() == name


def _to_spark(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.ArrayOverlaps):
        # sqlglot writes Spark's array overlap as `a && b`, which Spark does not parse.
        return _call("arrays_overlap", node.this, node.expression)
    if isinstance(node, exp.JarowinklerSimilarity):
        return _call("jaro_winkler", node.this, node.expression)
    if isinstance(node, exp.DateDiff):
        unit = node.args.get("unit")
        if unit is None or unit.name.lower() in ("day", "days", "d"):
            # date_diff('day', start, end) is parsed with this=end, expression=start.
            return _call("datediff", node.this, node.expression)
    if isinstance(node, exp.Mod) and _is_call(node.this, "hash"):
        # DuckDB's hash is an unsigned 64-bit integer, so hash(x) % n is a bucket in [0, n);
        # Spark's hash is a signed 32-bit one: a 64-bit hash and a non-negative modulo instead.
        return _call("pmod", _call("xxhash64", *node.this.expressions), node.expression)
    if _is_call(node, "hash"):
        return _call("xxhash64", *node.expressions)
    return node


def _to_duckdb(node: exp.Expression) -> exp.Expression:
    if _is_call(node, "arrays_overlap") and len(node.expressions) == 2:
        return exp.ArrayOverlaps(this=node.expressions[0], expression=node.expressions[1])
    if _is_call(node, "jaro_winkler") and len(node.expressions) == 2:
        return exp.JarowinklerSimilarity(this=node.expressions[0], expression=node.expressions[1])
    return node


_TRANSFORMS: Final[dict[str, Callable[[exp.Expression], exp.Expression]]] = {
    "spark": _to_spark,
    "duckdb": _to_duckdb,
}


def dialect_of(sql: str) -> Backend:
    """The dialect a linkage SQL expression is written in. uncounted writes DuckDB SQL (names
    in double quotes, or bare), and Spark SQL from this module quotes names in backticks, which
    DuckDB does not use. The text decides, not a label: a saved model may mix both (a training
    step that puts a DuckDB rule into a Spark model), and Spark would read DuckDB's
    ``"id_number"`` as a string literal, comparing constants without an error."""
    return "spark" if "`" in sql else "duckdb"


def translate_sql(sql: str, *, target: str) -> str:
    """One SQL expression (a comparison level's condition or a blocking rule) in ``target``'s
    dialect. SQL already in it, and ``ELSE``, pass unchanged; so translating twice is
    translating once."""
    source = dialect_of(sql)
    if source == target or sql.strip().upper() == "ELSE":
        return sql
    try:
        tree = sqlglot.parse_one(sql, read=source)
    except sqlglot.errors.ParseError:
        try:  # bare Spark SQL (no quoted names) that DuckDB's grammar rejects
            tree = sqlglot.parse_one(sql, read=target)
        except sqlglot.errors.ParseError as error:
            raise UncountedError(
                f"cannot read this linkage SQL to run it on {target}: {sql}"
            ) from error
    # Every name quoted (backticks in Spark): translated SQL is then known for Spark by its text.
    return tree.transform(_TRANSFORMS[target]).sql(dialect=target, identify=True)


def settings_for_backend(
    settings: SettingsCreator | Mapping[str, Any], backend: str
) -> SettingsCreator | dict[str, Any]:
    """The splink settings (a SettingsCreator, or a model dict as saved by splink) with every
    comparison level and prediction blocking rule in ``backend``'s SQL. A SettingsCreator for
    DuckDB is returned as it is."""
    target = check_backend(backend)
    if isinstance(settings, SettingsCreator):
        if target == SOURCE_DIALECT:
            return settings
        rendered = settings.create_settings_dict(sql_dialect_str=SOURCE_DIALECT)
    else:
        rendered = copy.deepcopy(dict(settings))
    for comparison in rendered.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            level["sql_condition"] = translate_sql(level["sql_condition"], target=target)
    rules = rendered.get("blocking_rules_to_generate_predictions", [])
    for index, rule in enumerate(rules):
        if isinstance(rule, str):
            rules[index] = translate_sql(rule, target=target)
        else:
            rule["blocking_rule"] = translate_sql(rule["blocking_rule"], target=target)
            if "sql_dialect" in rule:
                rule["sql_dialect"] = target
    rendered["sql_dialect"] = target
    return rendered


# --- database APIs -----------------------------------------------------------------------------


def make_db_api(backend: str = "duckdb") -> DatabaseAPI[Any]:
    """A fresh splink database API for ``backend``.

    DuckDB: a private in-memory database with one thread, apart from the project file; one
    thread keeps sampling and summation order, so results, bit-for-bit. Spark: the session of
    :func:`spark_session`, with splink's similarity functions registered.
    """
    if check_backend(backend) == "duckdb":
        return DuckDBAPI(connection=duckdb_connection())
    from splink.backends.spark import SparkAPI  # imports pyspark: only once it is known there

    session = spark_session()
    # "parquet" (splink's default outside Databricks) writes each big intermediate table to the
    # checkpoint folder and reads it back, which cuts Spark's lineage and keeps memory flat.
    return SparkAPI(
        spark_session=session,
        break_lineage_method="parquet",
        num_partitions_on_repartition=_shuffle_partitions(session),
        register_udfs_automatically=False,
    )


def duckdb_connection() -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB with one thread and capped memory, spilling to disk."""
    con = duckdb.connect(":memory:")
    con.execute("SET threads TO 1")
    con.execute("SET enable_progress_bar = false")
    # DuckDB would take 80% of the machine's memory before spilling; capped, the blocked
    # pairs of a million records (hundreds of millions of rows) go to disk instead.
    limit = duckdb_memory_limit()
    try:
        con.execute(f"SET memory_limit = '{limit.replace(chr(39), '')}'")
    except duckdb.Error as problem:
        con.close()
        raise UncountedError(
            f"UNCOUNTED_DUCKDB_MEMORY={limit!r} is not a memory size DuckDB reads "
            f"(e.g. 3GB): {problem}"
        ) from problem
    # One spill folder per process, removed at exit; one left by a killed run is removed
    # here once its owner is dead (uncounted.core.scratch).
    spill = str(scratch_folder("uncounted-duckdb-")).replace("'", "''")
    con.execute(f"SET temp_directory = '{spill}'")
    return con


def duckdb_memory_limit() -> str:
    """Memory DuckDB may hold while linking before it spills to disk: 3 GB, or
    ``UNCOUNTED_DUCKDB_MEMORY`` (any size DuckDB reads, e.g. ``8GB``)."""
    return os.environ.get("UNCOUNTED_DUCKDB_MEMORY", "").strip() or DEFAULT_DUCKDB_MEMORY


def register_features(db_api: DatabaseAPI[Any], features: pa.Table) -> SplinkDataFrame:
    """``features`` as the linker's input table. A DuckDB API is a fresh database, where the
    table is "features"; a Spark session serves many linkers and keeps their views, so there
    each table gets a name of its own."""
    name = "features"
    if not isinstance(db_api, DuckDBAPI):
        name = f"features_{uuid.uuid4().hex[:12]}"
    return db_api.register(features, dataset_display_name="features", table_name=name)


@dataclass(frozen=True)
class SparkSettings:
    """The local Spark session. Defaults suit a laptop or CI runner and a few hundred thousand
    records; give Spark more with the environment variables, or start your own session."""

    master: str = "local[2]"
    driver_memory: str = "2g"
    shuffle_partitions: int = 4
    # Compiling only with the JVM's quick compiler (C1) halves the first queries on a cold JVM,
    # where planning splink's large CASE expressions dominates; for long local runs on big data
    # the full JIT (UNCOUNTED_SPARK_JAVA_OPTIONS="") is faster in the end.
    java_options: str = "-XX:TieredStopAtLevel=1"
    # The comparisons are tens of KB of CASE conditions with nested lambdas. Compiling them to
    # Java (whole-stage code generation, and the search for common subexpressions) took longer
    # than evaluating them on the simulated lists: off halved the first predict (90-100 s to
    # 46 s, 532 records, 2 busy cores). UNCOUNTED_SPARK_CODEGEN=1 turns it back on.
    codegen: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SparkSettings:
        env = os.environ if environ is None else environ
        default = cls()
        partitions = env.get("UNCOUNTED_SPARK_SHUFFLE_PARTITIONS", "")
        try:
            shuffle_partitions = int(partitions) if partitions else default.shuffle_partitions
        except ValueError:
            raise UncountedError(
                f"UNCOUNTED_SPARK_SHUFFLE_PARTITIONS must be a whole number, not {partitions!r}"
            ) from None
        return cls(
            master=env.get("UNCOUNTED_SPARK_MASTER") or default.master,
            driver_memory=env.get("UNCOUNTED_SPARK_DRIVER_MEMORY") or default.driver_memory,
            shuffle_partitions=max(1, shuffle_partitions),
            java_options=env.get("UNCOUNTED_SPARK_JAVA_OPTIONS", default.java_options),
            codegen=env.get("UNCOUNTED_SPARK_CODEGEN", "") not in ("", "0", "false", "no"),
        )


_LOG4J2: Final = """\
status = error
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
rootLogger.level = error
rootLogger.appenderRef.stdout.ref = console
# At the root's level, so that pyspark does not announce a level of its own.
logger.repl.name = org.apache.spark.repl.Main
logger.repl.level = error
"""


def spark_session(settings: SparkSettings | None = None) -> SparkSession:
    """The active SparkSession, or a new local one (see the module's docstring).

    Raises UncountedError when pyspark or Java is missing, naming what to install.
    """
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as error:
        raise UncountedError(f"the Spark backend needs pyspark: {INSTALL_HINT}") from error

    active = SparkSession.getActiveSession()
    if active is not None:
        if not active.catalog.functionExists("jaro_winkler"):
            _register_similarity_functions(active)
        return active

    _check_java()
    settings = settings or SparkSettings.from_env()
    scratch = Path(tempfile.mkdtemp(prefix="uncounted-spark-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    log_config = scratch / "log4j2.properties"
    log_config.write_text(_LOG4J2, encoding="utf-8")
    builder = SparkSession.builder.appName("uncounted").master(settings.master)
    for key, value in {
        # Driver (and, in local mode, executor) heap: set before the JVM starts.
        "spark.driver.memory": settings.driver_memory,
        "spark.sql.shuffle.partitions": str(settings.shuffle_partitions),
        "spark.default.parallelism": str(settings.shuffle_partitions),
        # Only the jar inside splink's wheel: no Maven or Ivy fetching.
        "spark.jars": similarity_jar_location(),
        # Loopback only, no web UI, no console progress bars: no ports for others, no noise.
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.extraJavaOptions": (
            f"-Dlog4j2.configurationFile=file:{log_config} {settings.java_options}"
        ).strip(),
        "spark.sql.warehouse.dir": str(scratch / "warehouse"),
        "spark.local.dir": str(scratch / "local"),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.codegen.wholeStage": str(settings.codegen).lower(),
        "spark.sql.codegen.factoryMode": "FALLBACK" if settings.codegen else "NO_CODEGEN",
        "spark.sql.subexpressionElimination.enabled": str(settings.codegen).lower(),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.pyspark.python": sys.executable,
        "spark.pyspark.driver.python": sys.executable,
    }.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as error:  # the JVM did not start: say what to fix, keep the cause
        raise UncountedError(
            f"could not start a local Spark session ({error}); {INSTALL_HINT}"
        ) from error
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.setCheckpointDir(str(scratch / "checkpoints"))
    _register_similarity_functions(session)
    return session


def _shuffle_partitions(session: SparkSession) -> int:
    try:
        return max(1, int(session.conf.get("spark.sql.shuffle.partitions") or 1))
    except ValueError:
        return SparkSettings().shuffle_partitions


def _register_similarity_functions(session: SparkSession) -> None:
    """splink's JVM string functions (jaro_winkler, damerau_levenshtein, ...), from its jar."""
    from splink.backends.spark import similarity_jar_location
    from splink.internals.spark.jar_location import get_scala_udfs

    try:
        for name, java_class, return_type in get_scala_udfs():
            session.udf.registerJavaFunction(name, java_class, return_type)
    except Exception as error:
        raise UncountedError(
            "the Spark session cannot load splink's similarity functions: start it with "
            f"spark.jars={similarity_jar_location()} ({error})"
        ) from error


def _java_command() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def _check_java() -> None:
    java = _java_command()
    if java is None:
        raise UncountedError(
            f"the Spark backend needs a Java runtime, and none was found: {INSTALL_HINT}"
        )
    try:
        shown = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        ).stderr
    except (OSError, subprocess.SubprocessError) as error:
        raise UncountedError(f"cannot run {java} ({error}): {INSTALL_HINT}") from error
    match = re.search(r'version "(\d+)(?:\.(\d+))?', shown)
    if match is None:
        raise UncountedError(f"cannot tell the version of {java}: {shown.strip()[:200]}")
    major = int(match.group(1))
    if major == 1 and match.group(2):  # "1.8.0_392" is Java 8
        major = int(match.group(2))
    if major < MIN_JAVA:
        raise UncountedError(
            f"Spark 4 needs Java {MIN_JAVA} or newer, and {java} is Java {major}: {INSTALL_HINT}"
        )
