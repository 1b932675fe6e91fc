"""API authentication classes (kept apart from the views: DRF imports them from settings)."""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings


class RevocableJWTAuthentication(JWTAuthentication):
    """JWT authentication that also refuses tokens issued before the user's last password change
    and access tokens whose refresh token was logged out with (or rotated): logout ends the
    access token at once instead of when it expires."""

    def get_user(self, validated_token):
        from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

        from .serializers import MINTED_FROM_CLAIM, token_matches_user

        user_id = validated_token.get(jwt_settings.USER_ID_CLAIM)
        minted_from = validated_token.get(MINTED_FROM_CLAIM)
        user = None
        if user_id is not None and isinstance(minted_from, str):
            # One query: the user and whether the token's refresh token is blacklisted.
            logged_out = BlacklistedToken.objects.filter(token__jti=minted_from, token__user_id=OuterRef("pk"))
            user = (
                get_user_model()
                .objects.filter(**{jwt_settings.USER_ID_FIELD: user_id})
                .annotate(logged_out=Exists(logged_out))
                .first()
            )
        if user is None or user.logged_out or not token_matches_user(validated_token, user):
            raise InvalidToken(_("This token is no longer valid; log in again."))
        return user
