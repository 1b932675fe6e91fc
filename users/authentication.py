"""API authentication classes (kept apart from the views: DRF imports them from settings)."""

from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken


class RevocableJWTAuthentication(JWTAuthentication):
    """JWT authentication that also refuses tokens issued before the user's last password change."""

    def get_user(self, validated_token):
        from .serializers import token_matches_user

        user = super().get_user(validated_token)
        if not token_matches_user(validated_token, user):
            raise InvalidToken(_("This token is no longer valid; log in again."))
        return user
