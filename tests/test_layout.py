"""The layout docs/architecture.md describes: no module name twice among hansyn/ and
orchestration/, and the domain package never imports Dagster."""

from __future__ import annotations

import ast
import collections
from pathlib import Path

from hansyn.config import PROJECT_ROOT

PACKAGES = ("hansyn", "orchestration")
DAGSTER = ("dagster", "dagster_dbt")
# The one way in from hansyn to the code location: `hansyn refresh` imports it lazily, inside
# the command, so that `import hansyn` never loads Dagster.
ALLOWED_ORCHESTRATION_IMPORTS = {("hansyn/cli.py", "orchestration.refresh")}


def module_names(root: Path) -> dict[str, list[str]]:
    """Module name → where it is defined: .py files (but __init__.py) and packages."""
    names = collections.defaultdict(list)
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if "__pycache__" in path.parts:
                continue
            if path.is_file() and path.suffix == ".py" and path.name != "__init__.py":
                names[path.stem].append(str(path.relative_to(root)))
            elif path.is_dir() and (path / "__init__.py").is_file():
                names[path.name].append(str(path.relative_to(root)) + "/")
        names[package].append(package + "/")
    return names


def repeated(names: dict[str, list[str]]) -> dict[str, list[str]]:
    return {name: places for name, places in names.items() if len(places) > 1}


def imported_modules(path: Path) -> list[tuple[str, bool]]:
    """(absolute module name, at module level) of every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top_level) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, id(node) in top_level))
    return found


def forbidden_imports(root: Path) -> list[str]:
    """hansyn's imports of Dagster, and of orchestration other than the allowed lazy one."""
    found = []
    for path in sorted((root / "hansyn").rglob("*.py")):
        where = str(path.relative_to(root))
        for module, at_top in imported_modules(path):
            top = module.split(".")[0]
            if top in DAGSTER:
                found.append(f"{where}: {module}")
            elif top == "orchestration":
                if (where, module) not in ALLOWED_ORCHESTRATION_IMPORTS or at_top:
                    found.append(f"{where}: {module}")
    return found


def test_no_module_name_appears_twice():
    assert repeated(module_names(PROJECT_ROOT)) == {}


def test_a_repeated_module_name_is_found(tmp_path):
    for path in ("hansyn/__init__.py", "hansyn/quality/__init__.py", "hansyn/quality/runner.py",
                 "orchestration/__init__.py", "orchestration/quality.py"):  # fmt: skip
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("", encoding="utf-8")
    # The package hansyn/quality/ and the module orchestration/quality.py share a name.
    assert repeated(module_names(tmp_path)) == {
        "quality": ["hansyn/quality/", "orchestration/quality.py"]
    }


def test_hansyn_never_imports_dagster():
    assert forbidden_imports(PROJECT_ROOT) == []
    # The allowed exception is really there, and really lazy (else this test checks nothing).
    assert ("orchestration.refresh", False) in imported_modules(PROJECT_ROOT / "hansyn/cli.py")


def test_a_dagster_import_in_hansyn_is_found(tmp_path):
    files = {
        "hansyn/alerts/send.py": "import dagster as dg\n",
        "hansyn/warehouse.py": "def f():\n    from dagster_dbt import DbtCliResource\n",
        "hansyn/cli.py": "from orchestration.refresh import run_refresh\n",  # not lazy
        "hansyn/report/render.py": "def f():\n    import orchestration.sensors\n",
        "hansyn/sources/ok.py": "from .contract import Source\nimport dagsterish\n",
    }
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    assert forbidden_imports(tmp_path) == [
        "hansyn/alerts/send.py: dagster",
        "hansyn/cli.py: orchestration.refresh",
        "hansyn/report/render.py: orchestration.sensors",
        "hansyn/warehouse.py: dagster_dbt",
    ]
