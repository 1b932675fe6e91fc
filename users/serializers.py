"""Input and output shapes of the login, token and company API. Serializers check shape only;
the writes happen in `users.services`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken

# Claim carrying a keyed digest of the user's password hash: a password change makes every
# refresh (and access) token issued before it unusable.
PASSWORD_CLAIM = "pwd"
# Claim of an access token carrying the id (jti) of the refresh token it was minted from.
MINTED_FROM_CLAIM = "rjti"


def password_marker(user) -> str:
    """A short keyed digest of the stored password hash; changes whenever the password does."""
    return salted_hmac("ticketflower.api.jwt-password", user.password or "", algorithm="sha256").hexdigest()[:32]


def token_matches_user(token, user) -> bool:
    """Whether a token was issued for the user's current password and the user is active."""
    claim = token.get(PASSWORD_CLAIM)
    return bool(
        user is not None
        and user.is_active
        and isinstance(claim, str)
        and constant_time_compare(claim, password_marker(user))
    )


def access_for(refresh) -> str:
    """An access token naming the refresh token it was minted from: logging out with that refresh
    token (or rotating it) blacklists it, and the API then refuses the access token too."""
    access = refresh.access_token
    access[MINTED_FROM_CLAIM] = refresh[jwt_settings.JTI_CLAIM]
    return str(access)


def tokens_for(user) -> dict[str, str]:
    """A new refresh token (recorded as outstanding, so it can be blacklisted) and its access token."""
    refresh = RefreshToken.for_user(user)
    refresh[PASSWORD_CLAIM] = password_marker(user)
    return {"refresh": str(refresh), "access": access_for(refresh)}


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, write_only=True)
    password = serializers.CharField(
        max_length=4096, write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(read_only=True, help_text=_("Short-lived access token: `Authorization: Bearer …`."))
    refresh = serializers.CharField(read_only=True, help_text=_("Refresh token for /api/token/refresh/."))


class RefreshSerializer(TokenRefreshSerializer):
    """Rotates the refresh token (the old one is blacklisted) unless the user was deactivated,
    deleted or changed their password since the token was issued: then it is refused, every time."""

    refresh = serializers.CharField(max_length=4096)
    access = serializers.CharField(read_only=True)

    default_error_messages = {"revoked": _("This token is no longer valid; log in again.")}

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        refresh = self.token_class(attrs["refresh"])  # raises TokenError when invalid or blacklisted
        user_id = refresh.payload.get(jwt_settings.USER_ID_CLAIM)
        user = get_user_model().objects.filter(**{jwt_settings.USER_ID_FIELD: user_id}).first() if user_id else None
        if not token_matches_user(refresh, user):
            raise AuthenticationFailed(self.error_messages["revoked"], "token_revoked")
        data = super().validate(attrs)
        # simplejwt mints the access token from the old refresh token, which rotation has just
        # blacklisted: mint it from the new one, so that it names a refresh token still in use.
        rotated = self.token_class(data["refresh"])
        return {"access": access_for(rotated), "refresh": data["refresh"]}


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096, write_only=True)


class CompanyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=80)
    admin_email = serializers.EmailField(max_length=254)
    admin_password = serializers.CharField(
        max_length=4096, write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )
    admin_full_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    admin_is_workflow_creator = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Also give the first company admin the workflow_creator role."),
    )

    def validate_admin_password(self, value: str) -> str:
        # Django's password validators, measured against the email and name sent with it; DRF
        # reports their ValidationError under this field.
        sent = self.initial_data
        candidate = get_user_model()(
            email=str(sent.get("admin_email", "")), full_name=str(sent.get("admin_full_name", ""))
        )
        validate_password(value, user=candidate)
        return value


class CompanySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    slug = serializers.SlugField(read_only=True)


class CompanyAdminSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    full_name = serializers.CharField(read_only=True)


class CompanyCreatedSerializer(serializers.Serializer):
    company = CompanySerializer(read_only=True)
    admin = CompanyAdminSerializer(read_only=True)
