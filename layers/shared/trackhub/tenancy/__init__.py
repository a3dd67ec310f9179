"""Accounts, API keys, programs and subscriptions: the hub's tenancy, provisioned by the admin API."""
