#!/usr/bin/env bash
# `npm run test:python`: the Python jobs' checks — ruff (lint and format), mypy --strict, pytest.
# The venv (Python 3.11) lives in .tmp/jobs-venv (ignored by git, ESLint and Prettier) and is
# rebuilt from requirements-dev.lock (pinned, with hashes) whenever the lock changes.
# The tests need `prometheus-pushgateway` on PATH (Debian package; .ci/run installs it).
set -euo pipefail
jobs="$(cd "$(dirname "$0")/.." && pwd)"
venv="${MLOPS_JOBS_VENV:-$jobs/../.tmp/jobs-venv}"
python="${PYTHON:-python3.11}"
want="$(sha256sum "$jobs/requirements-dev.lock" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.lock-sha256" 2>/dev/null)" != "$want" ]; then
  echo "== jobs: creating $venv from requirements-dev.lock"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
    -r "$jobs/requirements-dev.lock"
  echo "$want" >"$venv/.lock-sha256"
fi
cd "$jobs"
echo "== jobs: ruff"
"$venv/bin/ruff" check .
"$venv/bin/ruff" format --check .
echo "== jobs: mypy --strict"
"$venv/bin/mypy"
echo "== jobs: pytest"
"$venv/bin/pytest" "$@"
