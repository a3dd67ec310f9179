"""Bodies of POST /admin/accounts/{accountId}/launches."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from trackhub.base_model import HubModel
from trackhub.errors import InvalidInput
from trackhub.webtracking.api_models.common import MAX_TTL_SECONDS, Email, Request
from trackhub.webtracking.models import ActivityId, Launch, PathwayId, UserId


class CreateLaunchRequest(Request):
    pathwayId: PathwayId
    activityId: ActivityId
    userId: UserId | None = None
    email: Email | None = None
    ttlSeconds: int | None = Field(
        default=None, ge=1, le=MAX_TTL_SECONDS, description="webToken lifetime; default WEBTOKEN_TTL_SECONDS."
    )

    def user(self) -> tuple[str | None, str | None]:
        if (self.userId is None) == (self.email is None):
            raise InvalidInput("userId: send either userId or email")
        return self.userId, self.email


class LaunchOut(HubModel):
    launchUrl: str
    webToken: str = Field(description="Shown only here: the hub keeps only its hash.")
    userToken: str
    expiresAt: datetime

    @classmethod
    def of(cls, launch: Launch) -> LaunchOut:
        return cls(
            launchUrl=launch.launch_url,
            webToken=launch.web_token,
            userToken=launch.user_token,
            expiresAt=launch.expires_at,
        )
