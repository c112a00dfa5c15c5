#!/usr/bin/env bash
# Creates the git-ignored Python virtual environment <repo>/.venv with the Python Kafka clients
# the integration tests drive (kafka-python from PyPI, pinned below), and prints the path of its
# python interpreter on stdout.
#
#   tools/python-venv.sh            # -> /path/to/repo/.venv/bin/python
#
# Idempotent and cheap when nothing changed: the venv holds a stamp file with the requirement
# list it was built from; a matching stamp means nothing is done. Otherwise the venv is built in
# place and stamped last. Concurrent callers serialise on a lock file inside it.
# Environment: FJORD_VENV_DIR overrides the folder (default <repo>/.venv).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${FJORD_VENV_DIR:-$repo/.venv}"
# kafka-python 2.2 negotiates API versions from the broker's ApiVersions answer when
# api_version is unset, and runs on the python3 versions Debian ships.
requirements="kafka-python==2.2.15"

mkdir -p "$venv"
exec 9>"$venv/.lock"
flock 9

if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.stamp" 2>/dev/null)" = "$requirements" ]; then
  echo "$venv/bin/python"
  exit 0
fi

# The stamp is written last, so an interrupted or failed install is redone on the next call.
# (A venv cannot be built elsewhere and moved: its scripts name their folder.)
find "$venv" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf {} +
python3 -m venv "$venv" >&2
# shellcheck disable=SC2086
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check $requirements >&2
echo "$requirements" >"$venv/.stamp"
echo "$venv/bin/python"
