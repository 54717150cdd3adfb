"""A small synthetic project for the web tests, and helpers to drive the app.

Every name here is made up: the simulator draws synthetic names, and the hand-written list
below uses invented ones. Nothing comes from a real list.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from tests.workflow.link_helpers import make_project, simulate
from uncounted.ingest.mapping import from_pairs
from uncounted.ingest.pipeline import ingest_file
from uncounted.store import Project
from uncounted.web.users import add_user
from uncounted.workflow.estimation import estimate_project, save_estimate_run
from uncounted.workflow.linkage import link_project

PASSWORD = "correct horse battery"
# The app answers only its own host names: TestClient's default "testserver" is refused.
LOCAL_URL = "http://127.0.0.1"
# Two releases of an invented list: names in Arabic with their romanization, made-up ID
# numbers (check digit valid), a row that names nobody (quarantined); the second release
# corrects a family name and adds a person.
HAND_RELEASES = {
    "2024-01-15": (
        "name,name_en,id,place\n"
        "زهير قنديل البرتقالي,Zuhair Qandil Al-Burtuqali,900000100,Rafah\n"
        "سلافة نجم الزيتوني,Sulafa Najm Al-Zaytouni,900000118,Gaza\n"
        ",,,Gaza\n"
    ),
    "2024-02-15": (
        "name,name_en,id,place\n"
        "زهير قنديل البرتقالي,Zuhair Qandil Al-Burtuqali,900000100,Rafah\n"
        "سلافة نجم الكرزاوي,Sulafa Najm Al-Karazawi,900000118,Gaza\n"
        "نبيل حمدان الكرمي,Nabil Hamdan Al-Karmi,900000126,Jabalia\n"
    ),
}


def build_template(folder: Path) -> Path:
    """Three simulated lists and two releases of an invented hand list, linked once, with a
    stored estimate."""
    simulated = simulate(folder, n_victims=220, n_lists=3, seed=7)
    project_dir = make_project(folder, simulated, 3)
    mapping = from_pairs(["full_name=name", "full_name_latin=name_en", "id_number=id",
                          "place=place"])
    with Project.open(project_dir) as project:
        for release, text in HAND_RELEASES.items():
            hand = folder / f"hand_list_{release}.csv"
            hand.write_text(text, encoding="utf-8")
            ingest_file(project, hand, list_name="hand_notes", release=release, mapping=mapping)
        link_project(project)
        save_estimate_run(project, estimate_project(project, strata=["sex"], seed=1))
    return project_dir


def copy_project(template: Path, target: Path) -> Path:
    shutil.copytree(template, target)
    return target


def add_users(project_dir: Path, **roles: str) -> None:
    """add_users(dir, alice="reviewer") — every user with PASSWORD."""
    with Project.open(project_dir) as project:
        for name, role in roles.items():
            add_user(project, name, PASSWORD, role, by="test")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def log_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"csrf_token": token, "username": username,
                                           "password": password}, follow_redirects=False)
    assert response.status_code == 303, response.text


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name}"
    return found.group(1)
