"""trackhub's admin CLI (`trackhub-admin`), its API client and the local stack's demo seeding."""

from trackhub_cli.client import AdminApiError, AdminClient, AdminError, basic_auth_header, whoami

__all__ = ["AdminApiError", "AdminClient", "AdminError", "basic_auth_header", "whoami"]
