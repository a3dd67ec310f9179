"""Credentials (HTTP Basic userId:apiKey), scopes, and the one authorization path every function uses."""
