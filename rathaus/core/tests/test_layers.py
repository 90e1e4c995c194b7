"""The import layers of the apps are a test (docs/developers/architecture.md, "Schichten").

- The contracts in pyproject.toml ([tool.importlinter]) hold: every app imports only from layers below its own,
  and no package has an import circle between its modules, counting function-local imports.
- No module hides an import of another Rathaus module inside a function (the old way to dodge a circle), except
  the few listed below with their reason.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import rathaus

PACKAGE = Path(rathaus.__file__).resolve().parent
ROOT = PACKAGE.parent
LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"

# (module file, imported module) -> why the import stays inside a function.
LOCAL_IMPORTS_ALLOWED = {
    ("rathaus/payments/apps.py", "rathaus.payments.providers"): (
        "AppConfig.ready(): the bundled providers register once the app registry is ready (Django's way)"
    ),
    ("rathaus/payments/apps.py", "rathaus.payments"): (
        "AppConfig.ready(): registers the production system checks (payments.checks reads the municipalities' "
        "plugin rows, whose models load only once the apps are ready)"
    ),
    ("rathaus/demo_idp/__main__.py", "rathaus.demo_idp.keys"): (
        "a program of its own: its Django settings are set up in this function, before its modules load"
    ),
    ("rathaus/demo_idp/__main__.py", "rathaus.demo_idp.provisioning"): (
        "a program of its own: its models can be imported only after django.setup()"
    ),
    ("rathaus/identity/apps.py", "rathaus.identity.providers"): (
        "AppConfig.ready(): the bundled identity plugins (OpenID Connect, BundID, MUK) register once the app "
        "registry is ready"
    ),
    ("rathaus/identity/apps.py", "rathaus.identity"): (
        "AppConfig.ready(): connects the login/logout signals to the session index (account_sessions)"
    ),
    ("rathaus/catalog/apps.py", "rathaus.catalog"): (
        "AppConfig.ready(): registers the catalog's resolver of what a service needs from the citizen's account "
        "(catalog.login_needs reads services, whose models load only once the apps are ready)"
    ),
    ("rathaus/catalog/apps.py", "rathaus.identity"): (
        "AppConfig.ready(): the registry (identity.login_needs) the catalog's resolver goes into"
    ),
    ("rathaus/portal/apps.py", "rathaus.portal"): (
        "AppConfig.ready(): registers the account-data sections of applications, payments and mailbox "
        "(export and deletion) into identity.data_export once the apps are loaded"
    ),
    ("rathaus/applications/apps.py", "rathaus.attachments"): (
        "AppConfig.ready(): registers the applications' blob references with the blob garbage collector"
    ),
    ("rathaus/applications/apps.py", "rathaus.applications"): (
        "AppConfig.ready(): the services module (and its models) can be imported only once the apps are loaded"
    ),
    ("rathaus/records/apps.py", "rathaus.attachments"): (
        "AppConfig.ready(): registers the document versions' blob references with the blob garbage collector"
    ),
    ("rathaus/records/apps.py", "rathaus.records"): (
        "AppConfig.ready(): the selectors module (and its models) can be imported only once the apps are loaded"
    ),
    ("rathaus/core/apps.py", "rathaus.core.tasks"): (
        "AppConfig.ready(): importing the tasks installs the durable events' Celery dispatcher"
    ),
    ("rathaus/steering/apps.py", "rathaus.attachments"): (
        "AppConfig.ready(): registers the issued reports' PDFs with the blob garbage collector"
    ),
    ("rathaus/steering/apps.py", "rathaus.steering"): (
        "AppConfig.ready(): the reports module (and its models) can be imported only once the apps are loaded"
    ),
}


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the package found in ``root`` with the contracts of ``root/pyproject.toml``."""
    return subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache", "--no-logo", "pyproject.toml"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def broken_contracts(output: str) -> str:
    return output[output.find("Broken contracts") :] if "Broken contracts" in output else output


def local_imports(package: Path) -> set[tuple[str, str]]:
    """(file relative to the repository, imported module) of every Rathaus import inside a function body."""
    found = set()
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).parts
        if "tests" in parts or "migrations" in parts:
            continue
        module = ".".join(parts)[: -len(".py")].removesuffix(".__init__")
        here = module if path.name == "__init__.py" else module.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    base = here.split(".")[: len(here.split(".")) - node.level + 1] if node.level else []
                    names = [".".join([*base, node.module] if node.module else base)]
                else:
                    continue
                found |= {("/".join(parts), name) for name in names if name.split(".")[0] == "rathaus"}
    return found


def test_apps_import_only_downward_and_no_package_has_an_import_circle() -> None:
    result = lint_imports(ROOT)
    if result.returncode != 0 or "0 broken" not in result.stdout:
        pytest.fail(broken_contracts(result.stdout + result.stderr), pytrace=False)


def test_an_upward_import_and_a_hidden_circle_break_the_contracts(tmp_path: Path) -> None:
    """The contracts look at the real package: in a copy, an upward import and a hidden circle are caught."""
    shutil.copytree(PACKAGE, tmp_path / "rathaus", ignore=shutil.ignore_patterns("static", "locale", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    errors = tmp_path / "rathaus" / "core" / "errors.py"
    errors.write_text(errors.read_text() + "\nfrom rathaus.applications import models  # noqa\n")
    definition = tmp_path / "rathaus" / "formengine" / "definition.py"
    definition.write_text(definition.read_text() + "\n\ndef _schema():\n    from .schema import json_schema\n")

    output = lint_imports(tmp_path).stdout
    assert "Apps import only downward BROKEN" in output
    assert "rathaus.core.errors -> rathaus.applications.models" in output
    assert "No cycles are allowed in rathaus.formengine" in output


def test_no_module_imports_a_rathaus_module_inside_a_function() -> None:
    found = local_imports(PACKAGE)
    unexplained = sorted(found - LOCAL_IMPORTS_ALLOWED.keys())
    assert not unexplained, f"import these at the top of the module (or explain them here): {unexplained}"
    stale = sorted(LOCAL_IMPORTS_ALLOWED.keys() - found)
    assert not stale, f"these function-local imports are gone; remove them from LOCAL_IMPORTS_ALLOWED: {stale}"


def test_the_scan_finds_imports_in_methods_nested_functions_and_blocks(tmp_path: Path) -> None:
    module = tmp_path / "rathaus" / "formengine" / "definition.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "import rathaus.core\n"  # top level: fine
        "class A:\n"
        "    def m(self):\n"
        "        from .schema import json_schema\n"
        "def f():\n"
        "    def g():\n"
        "        import rathaus.identity.selectors\n"
        "        from . import checks\n"
        "        from django.db import models\n"
        "async def h():\n"
        "    if True:\n"
        "        from ..payments import selectors\n"
    )
    assert local_imports(tmp_path / "rathaus") == {
        ("rathaus/formengine/definition.py", "rathaus.formengine.schema"),
        ("rathaus/formengine/definition.py", "rathaus.identity.selectors"),
        ("rathaus/formengine/definition.py", "rathaus.formengine"),
        ("rathaus/formengine/definition.py", "rathaus.payments"),
    }
