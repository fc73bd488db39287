"""The dependency direction of DESIGN.md, read from the source with ast.

mpc_engine imports no web framework and none of our Django code; the portal
(consortium) and the miner (miners) never import each other's models or views:
they talk over HTTP and websockets only.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_ENGINE = {"django", "channels", "celery", "rest_framework", "consortium", "miners"}


def imported_modules(path: Path) -> set[str]:
    """Absolute modules imported by `path`; `from a import b` yields both a and a.b."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def violations(package: str, is_forbidden) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files(package)
        for module in sorted(imported_modules(path))
        if is_forbidden(module)
    ]


def names_model_or_view_of(other: str):
    def is_forbidden(module: str) -> bool:
        parts = module.split(".")
        return parts[0] == other and any(p in ("models", "views") for p in parts[1:])

    return is_forbidden


def test_the_import_reader_sees_every_import_form(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import django.db\nfrom miners import views\nfrom . import sibling\n")
    assert imported_modules(sample) == {"django.db", "miners", "miners.views"}


def test_mpc_engine_imports_no_web_framework_and_no_project_code():
    assert violations("mpc_engine", lambda m: m.split(".")[0] in FORBIDDEN_IN_ENGINE) == []


@pytest.mark.parametrize(("package", "other"), [("consortium", "miners"), ("miners", "consortium")])
def test_portal_and_miner_never_import_each_others_models_or_views(package, other):
    assert python_files(package), f"{package} has no Python files: is ROOT right?"
    assert violations(package, names_model_or_view_of(other)) == []
