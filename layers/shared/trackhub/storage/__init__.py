"""Access to AWS data stores: lazily created, cached clients and the errors they raise."""
