#!/usr/bin/env bash
# `npm run test:example-python` (unit) and `npm run test:loop` (--loop): the recommender example's
# Python. The venv (Python 3.11) lives in .tmp/recommender-venv and is rebuilt from
# requirements.lock (pinned, with hashes) whenever the lock changes. The loop test also needs the
# jobs' venv (.tmp/jobs-venv, built here from jobs/requirements-dev.lock like `npm run
# test:python` does), Node (npx tsx for the renderer) and the Debian services: postgresql,
# redis-server, prometheus, prometheus-alertmanager, prometheus-pushgateway (.ci/run installs them).
set -euo pipefail
example="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$example/../.." && pwd)"
python="${PYTHON:-python3.11}"

venv_from_lock() { # <venv> <lock>
  local venv="$1" lock="$2" want
  want="$(sha256sum "$lock" | cut -d' ' -f1)"
  if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.lock-sha256" 2>/dev/null)" != "$want" ]; then
    echo "== creating $venv from ${lock#"$repo"/}"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r "$lock"
    echo "$want" >"$venv/.lock-sha256"
  fi
}

venv="${MLOPS_RECOMMENDER_VENV:-$repo/.tmp/recommender-venv}"
venv_from_lock "$venv" "$example/requirements.lock"
cd "$example"
if [ "${1:-}" = "--loop" ]; then
  shift
  jobs_venv="${MLOPS_JOBS_VENV:-$repo/.tmp/jobs-venv}"
  venv_from_lock "$jobs_venv" "$repo/jobs/requirements-dev.lock"
  echo "== recommender: the closed loop on loopback services (tests/test_loop.py)"
  LOOP_JOBS_PYTHON="$jobs_venv/bin/python" exec "$venv/bin/pytest" -m loop -s "$@" tests/test_loop.py
fi
echo "== recommender: ruff"
"$venv/bin/ruff" check .
"$venv/bin/ruff" format --check .
echo "== recommender: mypy --strict"
"$venv/bin/mypy"
echo "== recommender: pytest (unit; the loop test runs with npm run test:loop)"
"$venv/bin/pytest" "$@"
