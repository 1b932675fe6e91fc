"""Names of the system roles (global Django groups) and of each company's access group."""

WORKFLOW_CREATOR = "workflow_creator"
COMPANY_ADMIN = "company_admin"
SYSTEM_ROLES = (WORKFLOW_CREATOR, COMPANY_ADMIN)

# The users-app models a company admin manages (inside their own company only).
COMPANY_ADMIN_MODELS = ("user", "companyrole")


def company_creators_group_name(company_slug: str) -> str:
    """The per-company group that holds object permissions on the company's definitions."""
    return f"{company_slug}:workflow_creators"
