"""Cases C16-C18: static checks over every committed chapter (book/*.ipynb),
and a check that nbval really catches a stored output changed by hand.

A chapter must run anywhere (kernelspec ``python3``), be stored executed,
and hold no output that differs from run to run: memory addresses,
progress bars, timings.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))

ADDRESS = re.compile(r"0x[0-9a-fA-F]{4,}")
PROGRESS = re.compile(r"\r|\d+(\.\d+)?\s?it/s|s/it\b|\d+%\|")
TIMING = re.compile(
    r"Wall time|CPU times|elapsed|"
    r"\b\d+(\.\d+)?\s?(ms|µs|us|ns|sec|secs|seconds)\b|"
    r"\b\d+\.\d+\s?s\b"
)
TEXT_TYPES = ("text/plain", "text/html", "text/markdown", "text/latex")


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def output_texts(cell) -> list:
    """``(kind, text)`` for every text a code cell stored as output."""
    texts = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream":
            texts.append(("stream", _text(out.get("text", ""))))
        elif kind in ("execute_result", "display_data"):
            for mime in TEXT_TYPES:
                if mime in out.get("data", {}):
                    texts.append((mime, _text(out["data"][mime])))
        elif kind == "error":
            texts.append(("error", "\n".join(out.get("traceback", []))))
    return texts


def problems(nb) -> list:
    """Everything in notebook ``nb`` that breaks C16-C18, as sentences."""
    found = []
    name = nb.metadata.get("kernelspec", {}).get("name")
    if name != "python3":
        found.append(f"kernelspec name is {name!r}, expected 'python3'")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.source.strip() and cell.get("execution_count") is None:
            found.append(f"cell {i} was never executed")
        for kind, text in output_texts(cell):
            if ADDRESS.search(text):
                found.append(f"cell {i} {kind} output holds an address: "
                             f"{ADDRESS.search(text).group()}")
            if kind == "stream" and PROGRESS.search(text):
                found.append(f"cell {i} streams a progress bar")
            elif kind == "text/plain" and PROGRESS.search(text):
                found.append(f"cell {i} shows a progress bar")
            if TIMING.search(text):
                found.append(f"cell {i} {kind} output holds a timing: "
                             f"{TIMING.search(text).group()!r}")
    return found


def executed_cell(source, outputs, count=1):
    cell = nbformat.v4.new_code_cell(source)
    cell.execution_count = count
    cell.outputs = outputs
    return cell


def notebook(*cells, kernel="python3"):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": kernel, "display_name": "Python 3", "language": "python"
    }
    nb.cells = list(cells)
    return nb


def stdout(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


# --- the chapters ---------------------------------------------------------------

CHAPTERS = [pytest.param(p, id=p.name) for p in NOTEBOOKS] or [
    pytest.param(None, marks=pytest.mark.skip(reason="no book/*.ipynb yet"))
]


@pytest.mark.parametrize("path", CHAPTERS)
def test_chapter_is_deterministic_and_portable(path):
    nb = nbformat.read(path, as_version=4)
    assert problems(nb) == []


# --- the checker itself ---------------------------------------------------------

def test_a_clean_notebook_has_no_problems():
    nb = notebook(
        nbformat.v4.new_markdown_cell("Text with 0x10 and 2.5 s is prose."),
        executed_cell("print(round(0.1234567, 4))", [stdout("0.1235\n")]),
        nbformat.v4.new_code_cell(""),          # an empty cell may stay unrun
    )
    assert problems(nb) == []


@pytest.mark.parametrize("nb, expected", [
    (notebook(kernel="fnnlab-env"), "kernelspec name is 'fnnlab-env'"),
    (notebook(nbformat.v4.new_code_cell("1 + 1")), "cell 0 was never executed"),
    (notebook(executed_cell("object()", [nbformat.v4.new_output(
        "execute_result", data={"text/plain": "<object at 0x7f3a2b1c>"},
        execution_count=1)])), "holds an address: 0x7f3a2b1c"),
    (notebook(executed_cell("train(...)", [nbformat.v4.new_output(
        "stream", name="stderr",
        text="epochs:  40%|####      | 4/10 [00:01<00:02, 3.10it/s]\r")])),
     "cell 0 streams a progress bar"),
    (notebook(executed_cell("%time f()", [stdout("Wall time: 3.2 ms\n")])),
     "holds a timing"),
    (notebook(executed_cell("t", [stdout("took 0.52 s\n")])), "holds a timing"),
])
def test_the_checker_finds_each_problem(nb, expected):
    assert any(expected in p for p in problems(nb)), problems(nb)


# --- nbval catches an output changed by hand ---------------------------------

def _run_nbval(folder: Path, names: list) -> tuple:
    """Run nbval on notebooks in ``folder``: ``({notebook: passed}, exit
    status)``."""
    (folder / "pytest.ini").write_text("[pytest]\n")
    (folder / "sanitize.cfg").write_text(SANITIZE.read_text())
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    report = folder / "report.xml"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "--rootdir", str(folder), "--nbval", "--nbval-current-env",
         "--nbval-sanitize-with", "sanitize.cfg", f"--junitxml={report}",
         *names],
        cwd=folder, env=env, capture_output=True, text=True, timeout=240,
    )
    assert report.exists(), done.stdout + done.stderr
    results = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        where = case.get("classname", "") + case.get("name", "")
        name = next((n for n in names if Path(n).stem in where), where)
        ok = case.find("failure") is None and case.find("error") is None
        results[name] = results.get(name, True) and ok
    return results, done.returncode


def test_nbval_fails_on_an_output_changed_by_hand(tmp_path):
    code = "print(6 * 7)"
    # The sanitize file maps any address to one placeholder (C16), so the
    # second cell passes although the kernel prints another address.
    address = executed_cell("print(object())",
                            [stdout("<object object at 0x7f0000000000>\n")])
    nbformat.write(notebook(executed_cell(code, [stdout("42\n")]), address),
                   tmp_path / "right.ipynb")
    nbformat.write(notebook(executed_cell(code, [stdout("41\n")])),
                   tmp_path / "edited.ipynb")
    results, code = _run_nbval(tmp_path, ["right.ipynb", "edited.ipynb"])
    assert code != 0
    assert results == {"right.ipynb": True, "edited.ipynb": False}


def test_sanitize_file_covers_addresses():
    text = SANITIZE.read_text()
    assert "0x[0-9a-fA-F]+" in text
