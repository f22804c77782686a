"""The notebooks in notebooks/ run top to bottom without errors (headless, via nbclient)."""

from __future__ import annotations

import os

import nbformat
import pytest
from conftest import REPO_ROOT, shared_data_dir

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))


def test_three_notebooks_exist() -> None:
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03"]


def _execute(path) -> list[dict]:
    """Run the notebook in a fresh kernel; returns every output of every code cell."""
    from nbclient import NotebookClient

    book = nbformat.read(path, as_version=4)
    client = NotebookClient(
        book, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    return [o for cell in book.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]


@pytest.fixture
def kernel_env(monkeypatch):
    """The kernel imports this checkout's hipdrop and draws figures inline."""
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    )
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return monkeypatch


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_on_the_shared_data(path, kernel_env) -> None:
    if os.environ.get("CI") and not (shared_data_dir() / "video").is_dir():
        pytest.fail(f"CI needs the shared data at {shared_data_dir()} for the notebooks")
    kernel_env.setenv("HIPDROP_DATA_DIR", str(shared_data_dir()))
    outputs = _execute(path)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no figure shown"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_on_the_demo_without_data(path, kernel_env, tmp_path) -> None:
    """Outside CI, with no recordings, every notebook falls back to the built-in demo."""
    kernel_env.delenv("CI", raising=False)
    kernel_env.setenv("HIPDROP_DATA_DIR", str(tmp_path / "no-data-here"))
    outputs = _execute(path)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no figure shown"
