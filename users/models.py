from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import Group, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ticketflower.text_hygiene import CleanText
from ticketflower.timestamps import TimeStampedModel

from . import roles


class CompanyManager(models.Manager["Company"]):
    def get_by_natural_key(self, slug: str) -> "Company":
        return self.get(slug=slug)


class Company(CleanText, TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    creators_group = models.OneToOneField(
        Group,
        verbose_name=_("workflow creators group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="creators_of_company",
        help_text=_("Holds the object permissions of this company's workflow creators."),
    )

    objects = CompanyManager()

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if extra_fields.get("is_staff") is not True or extra_fields.get("is_superuser") is not True:
            raise ValueError("A superuser must have is_staff=True and is_superuser=True.")
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email: str) -> "User":
        return self.get(email__iexact=email)


class User(CleanText, AbstractBaseUser, PermissionsMixin):
    """A person who logs in with their email address; there is no username."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    company_roles = models.ManyToManyField(
        "users.CompanyRole",
        verbose_name=_("company roles"),
        blank=True,
        related_name="users",
    )
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Designates whether the user can log into the admin site."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Unselect this instead of deleting the account."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_superuser=True) | models.Q(company__isnull=False),
                name="users_user_company_required_unless_superuser",
                violation_error_message=_("Every user except a superuser belongs to a company."),
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def natural_key(self) -> tuple[str]:
        return (self.email,)

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()
        if not self.is_superuser and self.company_id is None:
            raise ValidationError({"company": _("Every user except a superuser belongs to a company.")})

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def has_system_role(self, role: str) -> bool:
        # The groups are read once per user object and kept as a prefetch: a request checks the
        # roles many times (every admin hook, every access-layer call), and `groups.add()` /
        # `groups.remove()` on this user drop the prefetch, so a change is seen at once.
        if "groups" not in getattr(self, "_prefetched_objects_cache", {}):
            models.prefetch_related_objects([self], "groups")
        return any(group.name == role for group in self.groups.all())

    @property
    def is_workflow_creator(self) -> bool:
        return self.is_active and (self.is_superuser or self.has_system_role(roles.WORKFLOW_CREATOR))

    @property
    def is_company_admin(self) -> bool:
        return self.is_active and self.has_system_role(roles.COMPANY_ADMIN)


class CompanyRoleManager(models.Manager["CompanyRole"]):
    def get_by_natural_key(self, company_slug: str, slug: str) -> "CompanyRole":
        return self.get(company__slug=company_slug, slug=slug)


class CompanyRole(CleanText, TimeStampedModel):
    """A role inside one company (employee, it_support, manager…): ticket access and task assignment."""

    company = models.ForeignKey(Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80)
    description = models.TextField(_("description"), blank=True)

    objects = CompanyRoleManager()

    class Meta:
        verbose_name = _("company role")
        verbose_name_plural = _("company roles")
        ordering = ["company__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "slug"],
                name="users_companyrole_unique_slug_per_company",
                violation_error_message=_("This company already has a role with this slug."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str, str]:
        return (self.company.slug, self.slug)

    natural_key.dependencies = ["users.company"]  # type: ignore[attr-defined]
