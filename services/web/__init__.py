"""The co-op's app: the phone shell (pages, script, service worker) and one origin for the APIs.

No database of its own (ADR 0019): it serves static files and forwards `/api/<service>/...` to
the registry, supplychain and reporting services, so the app, its service worker and its
offline queue live on one origin.
"""
