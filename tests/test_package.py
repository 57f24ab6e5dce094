"""The package as a reader installs it.

* Friendly errors: with the optional packages hidden, every entry point that
  needs an extra raises an error that names the package and gives
  ``pip install 'fnnlab[<extra>]'``, and every module imports or says so.
* The wheel and the sdist, built from a copy of the sources without any
  download, hold every file of the package, py.typed, the LICENSE and the
  README, and the wheel's metadata lists the version and the extras.
* A fresh virtual environment, given the wheel and ONLY the core
  dependencies from a local wheelhouse (``pip install --no-index``), imports
  fnnlab, trains a small network, runs an exercise checker, and gets the
  friendly message from a plotting call.

The wheelhouse is filled while the network is allowed, by the setup step
of ``make`` (``pip download --dest .venv/wheelhouse .``); without it the
fresh-environment test is skipped and says how to make one.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import fnnlab
from fnnlab._optional import EXTRAS, MissingExtraError, pyplot, require

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "fnnlab"
WHEELHOUSE = Path(os.environ.get("FNNLAB_WHEELHOUSE",
                                 Path(sys.prefix) / "wheelhouse"))
OPTIONAL = sorted(EXTRAS)   # matplotlib, ipywidgets, IPython, sympy, cupy
CORE = {"fnnlab", "numpy", "array-api-compat", "scikit-learn", "tqdm"}
EXTRA_NAMES = {"plots", "symbolic", "gpu", "dev"}
OLDEST_PYTHON = (3, 10)     # requires-python in pyproject.toml


def package_files() -> list:
    """Every file of the package in the source tree, as posix paths
    relative to the repository root (caches and hidden files left out)."""
    return sorted(
        p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
        and not any(part.startswith(".") for part in p.parts[-1:])
        and p.suffix != ".pyc"
    )


def clean_env(**extra: str) -> dict:
    """The environment for a child process: no PYTHON* variables (no
    PYTHONPATH reaching back into the checkout) and no pip configuration,
    so pip sees only the wheelhouse named on its command line."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "PYTHON"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_NO_INPUT="1", MPLBACKEND="Agg")
    env.update(extra)
    return env


def run(cmd: list, cwd: Path, timeout: float = 300, **env: str) -> str:
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=clean_env(**env),
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (
        f"{' '.join(map(str, cmd))} exited {done.returncode}\n"
        f"--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-4000:]}"
    )
    return done.stdout + done.stderr


# --- the helper --------------------------------------------------------------

def test_require_returns_the_module():
    plt = pytest.importorskip("matplotlib.pyplot")

    assert require("matplotlib.pyplot") is plt
    assert pyplot() is plt


@pytest.mark.parametrize("module, extra", [
    ("sympy", "symbolic"), ("matplotlib.pyplot", "plots"), ("cupy", "gpu"),
])
def test_require_names_the_package_and_the_extra(monkeypatch, module, extra):
    top = module.partition(".")[0]
    for name in list(sys.modules):
        if name == top or name.startswith(top + "."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, top, None)      # as if not installed
    with pytest.raises(MissingExtraError) as info:
        require(module, purpose="the test")
    error = info.value
    assert isinstance(error, ImportError)
    assert error.name == top and error.extra == extra
    package = EXTRAS[top][1]
    assert str(error) == (
        f"the test needs {package}, which is not installed; install it "
        f"with: pip install 'fnnlab[{extra}]'"
    )


def test_require_lets_a_broken_package_speak(tmp_path, monkeypatch):
    """Installed but failing inside: reinstalling the extra would not help,
    so the package's own error comes through."""
    pkg = tmp_path / "fnnlab_broken_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("import fnnlab_no_such_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError) as info:
        require("fnnlab_broken_pkg", extra="plots")
    assert not isinstance(info.value, MissingExtraError)
    assert info.value.name == "fnnlab_no_such_dependency"


def test_require_refuses_a_module_of_no_extra():
    with pytest.raises(ValueError, match="belongs to no fnnlab extra"):
        require("json")


# --- every entry point that needs an extra ------------------------------------

# id -> (missing package, extra, files it covers, code that needs the extra,
#        optional packages left importable for it)
AUDIT = {
    "plots": ("matplotlib", "plots", ["fnnlab/plots.py"],
              "from fnnlab.plots import plot_network\n"
              "plot_network([2, 3, 1])", ()),
    "classifiers": ("matplotlib", "plots", ["fnnlab/classifiers.py"],
                    "from fnnlab import xor\n"
                    "from fnnlab.classifiers import plot_features, "
                    "xor_network\n"
                    "X, y = xor()\n"
                    "plot_features(xor_network(), X, y)", ()),
    "numerical": ("matplotlib", "plots", ["fnnlab/numerical.py"],
                  "import numpy as np\n"
                  "from fnnlab.numerical import plot_step_sweep, step_sweep\n"
                  "plot_step_sweep(step_sweep(np.sin, np.cos, "
                  "steps=[1e-3, 1e-5]))", ()),
    "draw": ("matplotlib", "plots", ["fnnlab/autodiff/draw.py"],
             "from fnnlab.autodiff.draw import draw_graph\n"
             "from fnnlab.autodiff.reverse import tensor\n"
             "x = tensor(2.0, name='x')\n"
             "draw_graph(x * x)", ()),
    "playground": ("ipywidgets", "plots", ["fnnlab/widgets/playground.py"],
                   "from fnnlab.widgets.playground import playground\n"
                   "playground(train=False)", ()),
    "approximation_widget": (
        "ipywidgets", "plots", ["fnnlab/widgets/approximation.py"],
        "from fnnlab.widgets.approximation import approximation_explorer\n"
        "approximation_explorer()", ()),
    "gradients_widget": (
        "ipywidgets", "plots", ["fnnlab/widgets/gradients.py"],
        "from fnnlab.widgets.gradients import gradient_norms_explorer\n"
        "gradient_norms_explorer()", ()),
    "symbolic": ("sympy", "symbolic", ["fnnlab/symbolic.py"],
                 "import fnnlab.symbolic\n"
                 "fnnlab.symbolic.logistic_example()", ()),
    "worked_example": ("sympy", "symbolic",
                       ["fnnlab/autodiff/worked_example.py"],
                       "from fnnlab.autodiff.worked_example import "
                       "worked_example\n"
                       "worked_example()", ()),
    "agreement": ("sympy", "symbolic", ["fnnlab/autodiff/agreement.py"],
                  "from fnnlab.autodiff.agreement import five_way\n"
                  "five_way()", ()),
    "cupy_backend": ("cupy", "gpu", ["fnnlab/backend.py"],
                     "import fnnlab\n"
                     "fnnlab.set_backend('cupy')", ()),
    # Last: it lets sympy load, which the entries above must not see.
    "symbolic_plot": ("matplotlib", "plots", ["fnnlab/symbolic.py"],
                      "import fnnlab.symbolic as s\n"
                      "s.plot_expression_swell(s.expression_swell(range(1, 3)))",
                      ("sympy",)),
}

# Run in a child process: hide the optional packages (all of them, except
# those an entry allows), import every fnnlab module, then run each entry
# and report what it raised. In the fresh environment nothing is hidden:
# the packages are really absent.
AUDIT_SCRIPT = r'''
import importlib, importlib.abc, json, pkgutil, sys, traceback

HIDE, AUDIT = json.loads(sys.argv[1]), json.loads(sys.argv[2])
hidden = set(HIDE)

class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in hidden:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

if HIDE:
    sys.meta_path.insert(0, Hide())

def outcome(code):
    try:
        exec(compile(code, "<entry>", "exec"), {})
    except Exception as error:
        where = traceback.extract_tb(error.__traceback__)[-1]
        return {"type": type(error).__name__,
                "mro": [c.__name__ for c in type(error).__mro__],
                "message": str(error),
                "raised_in": f"{where.filename}:{where.lineno}"}
    return None

report = {"import": outcome("import fnnlab"), "modules": {}, "entries": {}}
if report["import"] is not None:
    print("AUDIT" + json.dumps(report))
    sys.exit(0)
import fnnlab
for info in pkgutil.walk_packages(fnnlab.__path__, "fnnlab.",
                                  onerror=lambda name: None):
    report["modules"][info.name] = outcome(f"import {info.name}")
for key, (package, extra, files, code, allow) in AUDIT.items():
    hidden = set(HIDE) - set(allow)
    report["entries"][key] = outcome(code)
print("AUDIT" + json.dumps(report))
'''


def run_audit(python: str, hide: list, audit: dict, cwd: Path,
              **env: str) -> dict:
    """Run AUDIT_SCRIPT with ``python``; ``-I`` keeps the checkout out of
    its path unless ``env`` names it in PYTHONPATH."""
    flags = [] if "PYTHONPATH" in env else ["-I"]
    script = cwd / "audit.py"
    script.write_text(AUDIT_SCRIPT)
    out = run([python, *flags, script, json.dumps(hide), json.dumps(audit)],
              cwd=cwd, **env)
    line = [ln for ln in out.splitlines() if ln.startswith("AUDIT")][-1]
    return json.loads(line[len("AUDIT"):])


def friendly(result: dict | None, package: str, extra: str) -> str | None:
    """None when ``result`` is the friendly error; else what is wrong."""
    command = f"pip install 'fnnlab[{extra}]'"
    if result is None:
        return f"ran without {package}: nothing was reported missing"
    kinds = set(result["mro"])
    if not kinds & {"ImportError", "FnnlabError"}:
        return (f"raised {result['type']} at {result['raised_in']}: "
                f"{result['message']}")
    message = result["message"]
    if command not in message or package.lower() not in message.lower():
        return (f"raised {result['type']} at {result['raised_in']} with "
                f"{message!r}, which should name {package} and {command}")
    return None


@pytest.fixture(scope="module")
def hidden_audit(tmp_path_factory):
    """The audit of this checkout's fnnlab, run in this environment with
    every extra hidden."""
    cwd = tmp_path_factory.mktemp("audit")
    audit = {k: list(v) for k, v in AUDIT.items()}
    return run_audit(sys.executable, OPTIONAL, audit, cwd,
                     PYTHONPATH=str(ROOT))


def test_import_fnnlab_needs_no_extra(hidden_audit):
    assert hidden_audit["import"] is None, hidden_audit["import"]


@pytest.mark.parametrize("key", sorted(AUDIT))
def test_entry_point_without_its_extra_says_what_to_install(hidden_audit, key):
    package, extra, _, _, allow = AUDIT[key]
    for name in allow:                  # must be there for this entry
        pytest.importorskip(name)
    assert hidden_audit["import"] is None, hidden_audit["import"]
    problem = friendly(hidden_audit["entries"][key], package, extra)
    assert problem is None, f"{key}: {problem}"


def test_every_module_imports_or_names_its_extra(hidden_audit):
    """``import fnnlab.<anything>`` without the extras either works or
    raises the friendly error (never a bare ModuleNotFoundError)."""
    assert hidden_audit["import"] is None, hidden_audit["import"]
    modules = hidden_audit["modules"]
    assert "fnnlab.training" in modules and "fnnlab.plots" in modules
    bad = {}
    for name, result in modules.items():
        if result is None:
            continue
        missing = next((p for p in OPTIONAL
                        if p.lower() in result["message"].lower()), None)
        problem = (friendly(result, missing, EXTRAS[missing][0])
                   if missing else f"{result['type']}: {result['message']}")
        if problem:
            bad[name] = problem
    assert not bad, bad


def test_every_file_importing_an_extra_is_audited():
    """A module that imports an optional package directly must have an
    entry in AUDIT, so that its message is checked."""
    audited = {f for entry in AUDIT.values() for f in entry[2]}
    importers = {}
    for path in PACKAGE.rglob("*.py"):
        if path.name == "_optional.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            tops = {n.partition(".")[0] for n in names} & set(OPTIONAL)
            if tops:
                rel = path.relative_to(ROOT).as_posix()
                importers.setdefault(rel, set()).update(tops)
    assert importers, "the scan found no import of an optional package"
    missing = {f: sorted(t) for f, t in importers.items() if f not in audited}
    assert not missing, (
        f"these modules import optional packages but have no entry in AUDIT "
        f"(tests/test_package.py): {missing}; import them with "
        "fnnlab._optional.require and add an entry"
    )


def test_sources_parse_on_the_oldest_supported_python():
    for path in PACKAGE.rglob("*.py"):
        ast.parse(path.read_text(), str(path), feature_version=OLDEST_PYTHON)


# --- the wheel and the sdist -------------------------------------------------

@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """Build the sdist, then the wheel from the sdist (``python -m build``),
    from a copy of the sources, with this environment's setuptools: no
    download, and nothing written into the checkout."""
    pytest.importorskip("build", reason="the dev extra brings `build`: "
                        "pip install -e '.[dev]'")
    tmp = tmp_path_factory.mktemp("dist")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(PACKAGE, src / "fnnlab",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = run([sys.executable, "-m", "build", "--no-isolation",
               "--outdir", tmp / "dist", src], cwd=tmp)
    wheels = list((tmp / "dist").glob("fnnlab-*.whl"))
    sdists = list((tmp / "dist").glob("fnnlab-*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, out
    return {"wheel": wheels[0], "sdist": sdists[0], "log": out}


def test_build_gives_no_deprecation_warning(dist):
    assert "Deprecat" not in dist["log"], dist["log"]


def test_sdist_holds_package_license_readme_and_py_typed(dist):
    top = f"fnnlab-{fnnlab.__version__}/"
    with tarfile.open(dist["sdist"]) as tar:
        names = {n[len(top):] for n in tar.getnames() if n.startswith(top)}
    expected = {"LICENSE", "README.md", "pyproject.toml", "fnnlab/py.typed",
                *package_files()}
    assert not expected - names, sorted(expected - names)


def test_wheel_holds_every_package_file(dist):
    with zipfile.ZipFile(dist["wheel"]) as whl:
        names = set(whl.namelist())
    files = package_files()
    assert "fnnlab/py.typed" in files and "fnnlab/autodiff/reverse.py" in files
    missing = sorted(set(files) - names)
    assert not missing, f"not in the wheel: {missing}"
    stray = sorted(n for n in names
                   if not n.startswith(("fnnlab/", "fnnlab-")))
    assert not stray, f"in the wheel but not part of fnnlab: {stray}"


def test_wheel_metadata(dist):
    with zipfile.ZipFile(dist["wheel"]) as whl:
        info = f"fnnlab-{fnnlab.__version__}.dist-info/"
        meta = Parser().parsestr(whl.read(info + "METADATA").decode())
        assert info + "licenses/LICENSE" in whl.namelist()
    assert meta["Name"] == "fnnlab"
    assert meta["Version"] == fnnlab.__version__
    assert meta["License-Expression"] == "MIT"
    assert meta["Requires-Python"] == ">=%d.%d" % OLDEST_PYTHON
    assert meta["Summary"] and "README" not in meta["Summary"]
    assert meta.get_payload().lstrip().startswith("# ")   # the README
    assert set(meta.get_all("Provides-Extra")) == EXTRA_NAMES
    assert {u.split(",")[0] for u in meta.get_all("Project-URL")} >= {
        "Homepage", "Source", "Issues"}
    assert "Typing :: Typed" in meta.get_all("Classifier")
    requires = meta.get_all("Requires-Dist")
    core = {r.split(">")[0].split("<")[0].strip().lower()
            for r in requires if "extra ==" not in r}
    assert core == CORE - {"fnnlab"}
    extras = {}
    for r in requires:
        if "extra ==" in r:
            name = r.split(";")[0].split(">")[0].split("<")[0].strip()
            extras.setdefault(r.split("extra ==")[1].strip(" '\""),
                              set()).add(name.lower())
    assert extras["plots"] == {"matplotlib", "ipywidgets"}
    assert extras["symbolic"] == {"sympy"}
    assert extras["gpu"] == {"cupy-cuda12x"}
    assert {"pytest", "hypothesis", "nbval", "array-api-strict",
            "build"} <= extras["dev"]
    for r in requires:                  # a floor and a cap on every one
        spec = r.split(";")[0]
        assert ">=" in spec and "<" in spec.replace("<=", ""), r


# --- a fresh virtual environment with the core only ---------------------------

SMOKE_SCRIPT = r'''
import importlib.metadata as md, importlib.util, json, sys
import numpy as np
import fnnlab
from fnnlab import FNN, accuracy, gradient_check, load_digits, one_hot, train, xor

out = {"file": fnnlab.__file__, "prefix": sys.prefix,
       "version": fnnlab.__version__, "dist_version": md.version("fnnlab"),
       "dists": sorted(d.metadata["Name"].lower() for d in md.distributions()),
       "optional_found": [m for m in json.loads(sys.argv[1])
                          if importlib.util.find_spec(m)]}

X_train, X_test, y_train, y_test = load_digits(seed=0)
net = FNN([64, 32, 10], seed=0)
history = train(net, X_train, y_train, epochs=4, lr=0.1, seed=0,
                progress=True)
out["loss"] = [round(v, 4) for v in history.loss]
out["test_accuracy"] = round(accuracy(net, X_test, y_test), 4)

X, y = xor()
small = FNN([2, 3, 2], activation="tanh", seed=0)
out["gradient_check"] = gradient_check(small, X.T, one_hot(y, 2)).passed()

if json.loads(sys.argv[2]):
    from fnnlab.classifiers import xor_network
    from fnnlab.exercises.xor import check_xor_network
    right = check_xor_network(xor_network())
    wrong = check_xor_network({"W1": np.ones((2, 2)), "b1": np.zeros(2),
                               "W2": np.ones((1, 2)), "b2": np.zeros(1)})
    out["checker"] = [bool(right), str(right), bool(wrong), str(wrong)]

try:
    from fnnlab.plots import plot_history
    plot_history(history)
    out["plot"] = None
except ImportError as error:
    out["plot"] = [type(error).__name__, str(error)]
print("SMOKE" + json.dumps(out))
'''


@pytest.fixture(scope="module")
def wheelhouse():
    wheels = sorted(WHEELHOUSE.glob("*.whl")) if WHEELHOUSE.is_dir() else []
    if not wheels:
        why = (
            f"no wheelhouse at {WHEELHOUSE}: the setup step of `make` fills "
            "it while online (python -m pip download --dest "
            f"{WHEELHOUSE} .); set FNNLAB_WHEELHOUSE to use another folder"
        )
        if os.environ.get("CI"):        # CI runs `make`: never skip there
            pytest.fail(why)
        pytest.skip(why)
    return WHEELHOUSE


@pytest.fixture(scope="module")
def fresh(dist, wheelhouse, tmp_path_factory):
    """A new virtual environment holding the wheel and the core
    dependencies only, installed from the wheelhouse with no index."""
    tmp = tmp_path_factory.mktemp("fresh")
    venv.EnvBuilder(with_pip=False, clear=True).create(tmp / "env")
    python = tmp / "env" / "bin" / "python"
    try:
        run([sys.executable, "-m", "pip", "--python", python, "install",
             "--no-index", "--find-links", wheelhouse, "--quiet",
             "--no-compile", dist["wheel"]], cwd=tmp)
    except AssertionError as error:
        raise AssertionError(
            f"installing the wheel from {wheelhouse} failed; if pip found no "
            "matching distribution, the wheelhouse is out of date: re-run "
            f"the setup step of `make`\n{error}") from None
    return {"python": python, "tmp": tmp}


def test_fresh_environment_runs_the_course(fresh):
    exercises = (PACKAGE / "exercises" / "xor.py").is_file()
    script = fresh["tmp"] / "smoke.py"
    script.write_text(SMOKE_SCRIPT)
    out = run([fresh["python"], "-I", script, json.dumps(OPTIONAL),
               json.dumps(exercises)], cwd=fresh["tmp"])
    line = [ln for ln in out.splitlines() if ln.startswith("SMOKE")][-1]
    got = json.loads(line[len("SMOKE"):])

    env = str(fresh["tmp"] / "env")
    assert got["prefix"] == env and got["file"].startswith(env), got["file"]
    assert got["version"] == got["dist_version"] == fnnlab.__version__
    assert got["optional_found"] == []
    allowed = CORE | {"scipy", "joblib", "threadpoolctl", "narwhals",
                      "cloudpickle"}   # scikit-learn's own dependencies
    assert set(got["dists"]) <= allowed, set(got["dists"]) - allowed
    assert got["loss"][-1] < 0.5 * got["loss"][0], got["loss"]
    assert got["test_accuracy"] > 0.9, got["test_accuracy"]
    assert got["gradient_check"] is True
    if exercises:
        right_ok, right_msg, wrong_ok, wrong_msg = got["checker"]
        assert right_ok, right_msg
        assert not wrong_ok and "XOR" in wrong_msg, wrong_msg
    assert got["plot"] is not None, "plot_history ran without matplotlib"
    kind, message = got["plot"]
    assert "matplotlib" in message
    assert "pip install 'fnnlab[plots]'" in message


def test_fresh_environment_entry_points_name_their_extra(fresh):
    """The same audit as above, with the extras really absent."""
    audit = {k: list(v) for k, v in AUDIT.items() if not v[4]}
    report = run_audit(str(fresh["python"]), [], audit, fresh["tmp"])
    assert report["import"] is None, report["import"]
    problems = {k: friendly(report["entries"][k], v[0], v[1])
                for k, v in audit.items()}
    assert not any(problems.values()), problems
