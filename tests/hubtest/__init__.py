"""Test support shared by unit and integration tests: API Gateway events, handler loading, contexts."""
