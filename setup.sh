#!/usr/bin/env bash
# Set up a working copy: a virtualenv with the package, bubblewrap for the sandbox where it can
# be installed, and the datasets in the Keras cache (offline from a folder, else downloaded).
#   AUTOGRADER_DATA=DIR   folder with boston_housing.npz and fashion-mnist/*.gz (default ../shared/data)
#   WITH_OTTER=1          also build .venv-otter for the otter-grader interoperability tests
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v bwrap >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null) \
      || echo "setup: could not install bubblewrap; grading will run with --backend none (no isolation)"
  else
    echo "setup: bubblewrap (bwrap) is missing: install it (Debian/Ubuntu: apt-get install bubblewrap)."
    echo "       Without it the sandbox falls back to 'none' and every result says what was not enforced."
  fi
fi

python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e ".[dev]"

if [ "${WITH_OTTER:-0}" = 1 ]; then
  # otter-grader pins wrapt<2, which TensorFlow's environment must not get: a separate venv
  # that sees .venv's packages through a .pth file and holds otter and its own wrapt.
  python3 -m venv .venv-otter
  main_site="$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  otter_site="$(.venv-otter/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  echo "import site; site.addsitedir('$main_site')" > "$otter_site/zz_main_venv.pth"
  .venv-otter/bin/pip install -q "otter-grader>=7" "wrapt<2"
fi

data="${AUTOGRADER_DATA:-../shared/data}"
if [ -f "$data/boston_housing.npz" ]; then
  .venv/bin/autograder data install --from "$data"
else
  echo "setup: no dataset folder at $data; asking Keras to download (needs internet)."
  .venv/bin/autograder data install
fi
echo "setup: done"
