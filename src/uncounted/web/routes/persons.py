"""Finding persons (by name in any script, ID number or place) and a person's page.

Searches are POSTed, so a name never appears in a URL, a browser history or a log line."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from uncounted.web.auth import AnyUser
from uncounted.web.csrf import csrf_protect
from uncounted.web.pages import render
from uncounted.workflow.explain import explain_person
from uncounted.workflow.overview import raw_values

router = APIRouter()


@router.get("/persons")
def persons_page(request: Request, viewer: AnyUser) -> Response:
    return render(request, "persons.html.j2", {"result": None, "name": "", "id_number": "",
                                               "place": ""})


@router.post("/persons", dependencies=[Depends(csrf_protect)])
def search_persons(
    request: Request,
    viewer: AnyUser,
    name: str = Form(""),
    id_number: str = Form(""),
    place: str = Form(""),
) -> Response:
    state = request.app.state
    with state.access.use() as project:
        result = state.search.search(project, name=name, id_number=id_number, place=place)
    return render(request, "persons.html.j2", {"result": result, "name": name,
                                               "id_number": id_number, "place": place})


@router.get("/persons/{person_id}")
def person_page(
    request: Request, viewer: AnyUser, person_id: str
) -> Response:
    with request.app.state.access.use() as project:
        document = explain_person(project, person_id)
        raw = raw_values(project, [r["record_id"] for r in document["records"]])
    handles = {r["record_id"]: f"#{i}" for i, r in enumerate(document["records"], 1)}
    return render(request, "person.html.j2", {"doc": document, "handles": handles,
                                              "raw": raw})
