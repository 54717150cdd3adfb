"""Link a project's records into persons with the linkage library, in memory.

The project does not store persons yet (that is the `link` command still to come); the demo
uses this to show how linkage and estimation perform against the simulator's truth.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass

import pyarrow as pa

from uncounted.estimate.table import CaptureTable
from uncounted.link.cluster import cluster_pairs
from uncounted.link.features import build_features
from uncounted.link.model import LinkageModel
from uncounted.store.project import Project


@dataclass
class LinkageRun:
    clusters: dict[str, str]  # record_id -> person (cluster) id
    record_lists: dict[str, str]  # record_id -> list
    candidate_pairs: int
    threshold: float
    seconds: float

    @property
    def persons(self) -> int:
        return len(set(self.clusters.values()))

    def capture_table(self, lists: list[str]) -> CaptureTable:
        memberships: dict[str, set[str]] = defaultdict(set)
        for record_id, person in self.clusters.items():
            memberships[person].add(self.record_lists[record_id])
        return CaptureTable.from_memberships(memberships.values(), lists)


def link_project_records(project: Project, *, threshold: float = 0.9, seed: int = 1) -> LinkageRun:
    start = time.perf_counter()
    records: pa.Table = project.con.sql("SELECT * FROM records ORDER BY record_id").to_arrow_table()
    features = build_features(records)
    # splink's training notes (levels without data, default parameters) would drown the
    # summary, which reports the measured accuracy instead.
    model = LinkageModel(threshold=threshold, seed=seed, log_level=logging.ERROR).fit(features)
    pairs = model.predict(features)
    clusters = cluster_pairs(pairs, features, threshold)
    record_lists = dict(
        zip(
            records.column("record_id").to_pylist(), records.column("list").to_pylist(), strict=True
        )
    )
    return LinkageRun(clusters, record_lists, len(pairs), threshold, time.perf_counter() - start)
