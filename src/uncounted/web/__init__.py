"""uncounted.web: the browser face of a project (`uncounted serve DIR`).

Server-rendered pages (FastAPI + Jinja2), charts drawn in the browser by the Vega bundle that
vl-convert ships (served from the app, never a CDN). Logins, roles, CSRF and the audit log are
here; what the pages show is read through :mod:`uncounted.workflow` and the store.
"""
