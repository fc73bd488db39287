"""The dependency direction of docs/architecture.md, read from the source with ast.

- mpc_engine imports no web framework and none of our Django code;
- the contract (consortium/contract) and the publication rules import no Django and no app: both sides
  of the wire can rely on them;
- the portal (consortium/portal) and the miner (miners) never import each other: they talk over HTTP and
  websockets only, through the contract, the engine and the shared project modules;
- the portal's apps import downwards only (minerlink, accounts, periods, submissions, runs, reports,
  retention, overview); inside an app, views -> actions -> models; and no module of ours is part of an import
  cycle (imports inside functions included: a lazy import does not make a cycle go away).
"""

import ast
import sys
from pathlib import Path

import pytest

from tests.source_parsing import parse_source

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_ENGINE = {"django", "channels", "celery", "rest_framework", "consortium", "miners"}
DJANGO_FREE = {"django", "channels", "celery", "rest_framework", "drf_spectacular", "miners"}
PORTAL_APPS = ["minerlink", "accounts", "periods", "submissions", "runs", "reports", "retention", "overview"]
# inside an app: a module named on the left never imports the same app's modules on the right
BELOW = {
    "models": {"actions", "views", "tasks", "api", "admin", "consumers", "forms", "urls", "serializers"},
    "actions": {"views", "tasks", "api", "admin", "consumers", "urls"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Absolute modules imported by `path`, relative imports resolved; `from a import b` yields a and a.b."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(parse_source(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def python_files(package: str) -> list[Path]:
    files = sorted((ROOT / package).rglob("*.py")) if (ROOT / package).is_dir() else [ROOT / package]
    return [f for f in files if "migrations" not in f.parts]


def violations(package: str, is_forbidden) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files(package)
        for module in sorted(imported_modules(path))
        if is_forbidden(module, path)
    ]


def top(module: str) -> str:
    return module.split(".")[0]


def test_the_import_reader_sees_every_import_form(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    sample = tmp_path / "pkg" / "app" / "views.py"
    sample.parent.mkdir(parents=True)
    sample.write_text("import django.db\nfrom miners import views\nfrom . import actions\nfrom ..b import c\n"
                      "def f():\n    from .models import M\n")
    assert imported_modules(sample) == {"django.db", "miners", "miners.views", "pkg.app", "pkg.app.actions",
                                        "pkg.b", "pkg.b.c", "pkg.app.models", "pkg.app.models.M"}


def test_mpc_engine_imports_no_web_framework_and_no_project_code():
    assert violations("mpc_engine", lambda m, p: top(m) in FORBIDDEN_IN_ENGINE) == []


@pytest.mark.parametrize("package", ["consortium/contract", "consortium/portal/publication.py"])
def test_the_contract_and_the_publication_rules_import_no_django_and_no_app(package):
    assert python_files(package)

    def is_forbidden(module, path):
        ours = module.startswith(("consortium.", "mpc_engine"))
        ours = ours and not module.startswith("consortium.contract")
        return top(module) in DJANGO_FREE or ours

    assert violations(package, is_forbidden) == []


@pytest.mark.parametrize(("package", "other"), [("consortium", "miners"), ("miners", "consortium.portal")])
def test_portal_and_miner_never_import_each_other(package, other):
    assert python_files(package), f"{package} has no Python files: is ROOT right?"
    assert violations(package, lambda m, p: m == other or m.startswith(other + ".")) == []


def app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if parts[:2] == ["consortium", "portal"] and len(parts) > 2 else None


def test_the_portal_apps_import_downwards_only():
    def is_forbidden(module, path):
        mine, theirs = app_of(module_name(path)), app_of(module)
        return (mine in PORTAL_APPS and theirs in PORTAL_APPS
                and PORTAL_APPS.index(theirs) > PORTAL_APPS.index(mine))

    assert violations("consortium/portal", is_forbidden) == []


def test_inside_an_app_views_use_actions_and_actions_use_models():
    def is_forbidden(module, path):
        here = module_name(path).split(".")
        there = module.split(".")
        same_app = app_of(module_name(path)) and there[:3] == here[:3] and len(there) > 3
        return bool(same_app) and there[3] in BELOW.get(here[-1], set())

    assert violations("consortium/portal", is_forbidden) == []


def import_graph() -> dict[str, set[str]]:
    files = [f for package in ("consortium", "miners", "mpc_engine") for f in python_files(package)]
    modules = {module_name(f): f for f in files}
    graph = {}
    for name, path in modules.items():
        graph[name] = {m for m in imported_modules(path) if m in modules and m != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_is_part_of_an_import_cycle():
    # package __init__ modules that only re-export (consortium -> consortium.celery) are nodes too
    assert cycles(import_graph()) == []
