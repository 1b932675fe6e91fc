"""Set up and run TicketFlower with nothing but Python 3.11: `python dev.py demo` or `python dev.py test`.

Creates `.venv` (unless a virtual environment is already active), installs the requirements
into it, then re-runs itself inside it. Works the same on Windows, Linux and macOS.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
DEMO_PASSWORD = "TicketFlower-demo-2026"
DEMO_LOGINS = [
    ("platform@ticketflower.example", "platform superuser (sees every company)"),
    ("admin@acme.example", "Acme company admin and workflow creator"),
    ("creator@acme.example", "Acme workflow creator"),
    ("admin@globex.example", "Globex company admin and workflow creator"),
    ("creator@globex.example", "Globex workflow creator"),
]


def _in_virtualenv() -> bool:
    return sys.prefix != getattr(sys, "base_prefix", sys.prefix) or bool(os.environ.get("VIRTUAL_ENV"))


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _run(*args: str | os.PathLike, env: dict | None = None) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)  # noqa: S603
    if result.returncode:
        sys.exit(result.returncode)


def _ensure_environment(requirements: str) -> None:
    """Install requirements, then continue inside the environment that has them."""
    if os.environ.get("TICKETFLOWER_BOOTSTRAPPED") == requirements:
        return
    if _in_virtualenv():
        python = Path(sys.executable)
    else:
        if not _venv_python().exists():
            print(f"Creating a virtual environment in {VENV} …", flush=True)
            venv.EnvBuilder(with_pip=True).create(VENV)
        python = _venv_python()
    print(f"Installing {requirements} …", flush=True)
    _run(python, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", ROOT / requirements)
    env = {**os.environ, "TICKETFLOWER_BOOTSTRAPPED": requirements}
    _run(python, Path(__file__).resolve(), *sys.argv[1:], env=env)
    sys.exit(0)


def demo() -> None:
    _ensure_environment("requirements.txt")
    os.environ.pop("DATABASE_URL", None)  # the demo always runs on the SQLite file
    manage = [sys.executable, "manage.py"]
    _run(*manage, "migrate", "--noinput", "-v", "0")
    from_scratch = (
        subprocess.run(  # noqa: S603
            [
                *manage,
                "shell",
                "-c",
                "from users.models import Company; print(Company.objects.filter(slug='acme').exists())",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .endswith("False")
    )
    if from_scratch:
        _run(*manage, "loaddata", "demo", "-v", "0")
    print("\nTicketFlower demo: http://127.0.0.1:8000/admin/\n")
    print(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for email, who in DEMO_LOGINS:
        print(f"  {email:32} {who}")
    print(flush=True)
    _run(*manage, "runserver", "127.0.0.1:8000")


def test() -> None:
    _ensure_environment("requirements-dev.txt")
    args = sys.argv[2:]
    result = subprocess.run([sys.executable, "-m", "pytest", *args], cwd=ROOT)  # noqa: S603
    sys.exit(result.returncode)


def main() -> None:
    commands = {"demo": demo, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print("usage: python dev.py demo | test [pytest arguments]")
        sys.exit(2)
    commands[sys.argv[1]]()


if __name__ == "__main__":
    main()
