"""The staff dashboard: deadlines, requests, review, extension, delivery — in a browser.

``dsar dashboard --workspace DIR`` serves it (``server.serve``); ``app.create_app`` builds the
FastAPI application. Every page, route and file needs a staff login (``dsar user add``);
every form carries the session's CSRF token; every action is audited with the staff
member's name. Runs go through the Prefect flow in a child process (``runs``).
"""
