"""Login, token refresh and logout for the API (JWT, login by email), the browsable API's
email login page, and the platform's create-company endpoint."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import update_last_login
from django.contrib.auth.views import LoginView as SessionLoginView
from django.db import transaction
from django.forms import EmailField, EmailInput
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, parsers, permissions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenRefreshView

from ticketflower.api_errors import ERROR_400, ERROR_401, ERROR_403, ERROR_429, DetailSerializer

from . import roles, services
from .authentication import RevocableJWTAuthentication
from .login_keys import client_address
from .serializers import (
    CompanyCreatedSerializer,
    CompanyCreateSerializer,
    LoginSerializer,
    LogoutSerializer,
    RefreshSerializer,
    TokenPairSerializer,
    tokens_for,
)

# --- shared API plumbing ---------------------------------------------------------------


class SafeJSONParser(parsers.JSONParser):
    """JSON parser that answers 400 (not a server error) for absurdly deep nesting."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("JSON parse error - the document is nested too deeply."))


API_PARSERS = [SafeJSONParser, parsers.FormParser, parsers.MultiPartParser]


class RevocableJWTScheme(SimpleJWTScheme):
    target_class = "users.authentication.RevocableJWTAuthentication"


# JWT first, then the browsable API's session (CSRF-checked), as in settings.
API_AUTHENTICATION = [RevocableJWTAuthentication, SessionAuthentication]


# --- login -------------------------------------------------------------------------------


class LoginFailureThrottle(SimpleRateThrottle):
    """Counts failed logins per client address (rate `login`); successful logins are free.

    django-axes also locks a (email, address) pair out after AXES_FAILURE_LIMIT failures, with a
    cool-off; this throttle catches one address trying many emails.
    """

    scope = "login"

    def get_ident(self, request):
        # The address the trusted proxies report, never a header value the client chose.
        return client_address(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        self.history = [t for t in self.cache.get(self.key, []) if t > self.timer() - self.duration]
        self.now = self.timer()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return True

    def record_failure(self, request, view) -> None:
        if self.rate is None:
            return
        key = self.get_cache_key(request, view)
        now = self.timer()
        history = [t for t in self.cache.get(key, []) if t > now - self.duration]
        history.insert(0, now)
        self.cache.set(key, history, self.duration)


class CredentialsView(APIView):
    """An endpoint that takes credentials or a token in its body: open to anyone, and a 401
    names the Bearer scheme."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    parser_classes = API_PARSERS

    def get_authenticate_header(self, request):
        return 'Bearer realm="api"'


class LoginView(CredentialsView):
    """Log in with email and password; answers a refresh and an access token."""

    throttle_classes = [LoginFailureThrottle]
    generic_error = _("The email address or password is not correct.")

    @extend_schema(
        tags=["auth"],
        request=LoginSerializer,
        responses={
            200: TokenPairSerializer,
            400: ERROR_400,
            401: OpenApiResponse(DetailSerializer, description=_("Wrong email or password (one generic message).")),
            429: ERROR_429,
        },
        auth=[],
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The plain HttpRequest, so that django-axes records the attempt and marks a lockout
        # where its middleware sees it; `username` is the key axes throttles on.
        user = authenticate(
            request._request,
            username=serializer.validated_data["email"].lower(),
            password=serializer.validated_data["password"],
        )
        if user is None or not user.is_active:
            LoginFailureThrottle().record_failure(request, self)
            # A response, not an exception: an exception would roll back the request's
            # transaction (ATOMIC_REQUESTS) and with it the failure django-axes just recorded.
            return Response(
                {"detail": self.generic_error},
                status=status.HTTP_401_UNAUTHORIZED,
                headers={"WWW-Authenticate": self.get_authenticate_header(request)},
            )
        update_last_login(None, user)
        return Response(tokens_for(user))


class RefreshView(TokenRefreshView):
    """Exchange a refresh token for a new pair; the old refresh token is blacklisted."""

    serializer_class = RefreshSerializer
    parser_classes = API_PARSERS

    @extend_schema(
        tags=["auth"],
        request=RefreshSerializer,
        responses={200: TokenPairSerializer, 400: ERROR_400, 401: ERROR_401},
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class LogoutView(CredentialsView):
    """Blacklist a refresh token and the access tokens minted from it (log out of the API)."""

    @extend_schema(
        tags=["auth"],
        request=LogoutSerializer,
        responses={
            204: OpenApiResponse(description=_("The refresh token is blacklisted.")),
            400: ERROR_400,
            401: ERROR_401,
        },
        auth=[],
    )
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            # The access tokens minted from this refresh token name it, and are refused from now on.
            RefreshToken(serializer.validated_data["refresh"]).blacklist()
        except TokenError as exc:
            raise InvalidToken(exc.args[0])
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- browsable API login ---------------------------------------------------------------------


class EmailAuthenticationForm(AuthenticationForm):
    """The login form of the browsable API: asks for an email address (there is no username)."""

    username = EmailField(
        label=_("Email address"),
        max_length=254,
        widget=EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Email address")
        self.error_messages["invalid_login"] = _("The email address or password is not correct.")


class BrowsableApiLoginView(SessionLoginView):
    form_class = EmailAuthenticationForm
    template_name = "rest_framework/login.html"
    redirect_authenticated_user = False

    def get_default_redirect_url(self):
        return "/api/workflow/"


# --- companies ---------------------------------------------------------------------------


class IsPlatformSuperuser(permissions.BasePermission):
    message = _("Only platform superusers may create companies.")

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


class CreateCompanyView(APIView):
    """Platform superusers: create a company together with its first company admin."""

    permission_classes = [IsPlatformSuperuser]
    parser_classes = API_PARSERS
    authentication_classes = API_AUTHENTICATION
    # The services' refusals name the user's fields; this input names them after the admin.
    api_field_names = {"email": "admin_email", "full_name": "admin_full_name"}

    @extend_schema(
        tags=["companies"],
        request=CompanyCreateSerializer,
        responses={201: CompanyCreatedSerializer, 400: ERROR_400, 401: ERROR_401, 403: ERROR_403},
    )
    def post(self, request):
        serializer = CompanyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        system_roles = [roles.COMPANY_ADMIN]
        if data["admin_is_workflow_creator"]:
            system_roles.append(roles.WORKFLOW_CREATOR)
        with transaction.atomic():
            company = services.company_create(name=data["name"], slug=data["slug"])
            admin = services.user_create(
                email=data["admin_email"],
                password=data["admin_password"],
                company=company,
                full_name=data["admin_full_name"],
                is_staff=True,
                system_roles=system_roles,
            )
        body = CompanyCreatedSerializer({"company": company, "admin": admin}).data
        return Response(body, status=status.HTTP_201_CREATED)
