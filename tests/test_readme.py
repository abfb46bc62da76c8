"""The README is one screen, points only at files of the repository, and every
Python block in it runs."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def test_the_readme_is_one_screen():
    assert len(README.splitlines()) <= 150


def test_every_path_the_readme_names_is_in_the_repository():
    folders = "docs|benchmarks|tests|notebooks|skgraphfeat"
    named = set(re.findall(rf"`((?:{folders})/[^`\s]*)`", README))
    named |= set(re.findall(r"\]\(([^)#:]+)\)", README))  # markdown links
    assert named, "expected the README to point at some files"
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert not missing


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_code_block_runs(block, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    out = subprocess.run(
        [sys.executable, "-c", block], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
