"""The event store (Learning Hub dialect): the feed every part of the hub writes to.

models.py      NewEvent (what a publisher hands in), StoredEvent (the record), feed query/page
api_models.py  the PascalCase wire shapes and the query-string parsing of the feed
cursor.py      the opaque feed cursor
repository.py  DynamoDB: event items, the per-program feed and its sequence counter
service.py     publish / get / delete / read the feed; `publish` is also the hub's own entry point
"""
