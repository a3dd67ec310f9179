"""Who an identified player is: the `Authorization: Bearer <JWT>` of a start, verified here with pyjwt.

In RAGE the A2 gateway verified the JWT and told the collector the username in `X-Gleaner-User`;
the hub has no gateway in between, so it verifies signature, expiry and (when configured) issuer and
audience itself, and never reads a client-sent `X-Gleaner-User`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from trackhub.collector import jwt_settings
from trackhub.collector.models import JwtSettings
from trackhub.observability import logger

if TYPE_CHECKING:
    import jwt

# pyjwt (and the `cryptography` it loads) is imported on the first Bearer start only: anonymous starts
# and every track would otherwise pay ~0.1 s of cold start for it.

_LEEWAY_SECONDS = 30
_MAX_TOKEN_CHARS = 8192
_jwks_clients: dict[str, jwt.PyJWKClient] = {}


class VerifiedToken(NamedTuple):
    """What a verified JWT proves, and what a revocation is matched against."""

    username: str
    jti: str | None = None
    issued_at: int | None = None  # `iat`, epoch seconds


def _key(settings: JwtSettings, token: str) -> Any:
    if settings.algorithm == "HS256":
        return settings.secret
    if settings.publicKey is not None:
        return settings.publicKey
    assert settings.jwksUrl is not None
    client = _jwks_clients.get(settings.jwksUrl)
    if client is None:
        import jwt

        client = jwt.PyJWKClient(settings.jwksUrl, cache_keys=True, lifespan=300, timeout=3)
        _jwks_clients[settings.jwksUrl] = client
    return client.get_signing_key_from_jwt(token).key


def bearer_token(authorization: str) -> str | None:
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > _MAX_TOKEN_CHARS:
        return None
    return token


def verify(settings: JwtSettings | None, token: str) -> VerifiedToken | None:
    """What the token proves, or None when it proves nothing."""
    if settings is None:
        return None
    import jwt

    options: dict[str, Any] = {"require": ["exp"], "verify_aud": settings.audience is not None}
    try:
        claims = jwt.decode(
            token,
            _key(settings, token),
            algorithms=[settings.algorithm],
            audience=settings.audience,
            issuer=settings.issuer,
            leeway=_LEEWAY_SECONDS,
            options=options,  # type: ignore[arg-type]
        )
    except jwt.PyJWTError as exc:  # bad signature, expired, wrong issuer/audience, JWKS unreachable
        logger.info("JWT refused", extra={"reason": type(exc).__name__})
        return None
    username = claims.get(settings.usernameClaim)
    if isinstance(username, int) and not isinstance(username, bool):
        username = str(username)
    if not isinstance(username, str) or not username.strip() or len(username) > 200:
        logger.info("JWT has no usable username claim", extra={"claim": settings.usernameClaim})
        return None
    jti, iat = claims.get("jti"), claims.get("iat")
    return VerifiedToken(
        username=username.strip(),
        jti=jti if isinstance(jti, str) and jti else None,
        issued_at=int(iat) if isinstance(iat, int | float) and not isinstance(iat, bool) else None,
    )


def identify(account_id: str, authorization: str) -> VerifiedToken | None:
    token = bearer_token(authorization)
    if token is None:
        return None
    return verify(jwt_settings.get(account_id), token)
