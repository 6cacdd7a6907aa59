"""The house is one-way (pyproject.toml's import-linter contract, checked by `make lint`); these tests keep the rest of
the rule: imports stand at the top of their module, so an arrow running back up cannot hide inside a function."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The factory and the CLI put an app together from every package: they may import inside functions.
ALLOWED = {ROOT / "webapp" / "__init__.py", ROOT / "webapp" / "cli.py"}


def _function_level_imports(path: Path) -> list[str]:
    found = []
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom) and (inner.module or "").split(".")[0] in ("webapp", "devdata"):
                found.append(f"{where}:{inner.lineno} from {inner.module}")
            elif isinstance(inner, ast.Import) and any(a.name.split(".")[0] in ("webapp", "devdata")
                                                       for a in inner.names):
                found.append(f"{where}:{inner.lineno} import")
    return found


def test_no_webapp_module_is_imported_inside_a_function():
    modules = [p for p in (ROOT / "webapp").rglob("*.py") if p not in ALLOWED]
    assert len(modules) > 60  # the walk really saw the package
    hidden = sorted({hit for path in modules for hit in _function_level_imports(path)})
    assert hidden == [], "import these at the top of the module (or move the code down a layer):\n" + "\n".join(hidden)


def test_the_walk_finds_a_hidden_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from webapp.reports import intake\n    return intake\n")
    assert len(_function_level_imports(sample)) == 1
