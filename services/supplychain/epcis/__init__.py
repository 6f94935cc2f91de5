"""GS1 EPCIS 2.0 interface of the supplychain service: event store, capture and query.

Every fact about a lot is also stored here as an EPCIS 2.0 event (JSON-LD form, made by
`chain_mapping`), and trading partners may capture their own EPCIS documents.
`store.save_epcis_event` is the one way in for both; `api.router` is the REST binding
(capture, events); `tables` hold the event store.
"""
