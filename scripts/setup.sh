#!/usr/bin/env bash
# Creates .venv with Python 3.10 (Rasa 3.6 cannot run on 3.11) and installs the project.
# Re-installs only when pyproject.toml changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
    if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
    if command -v python3.10 >/dev/null 2>&1 && python3.10 -c 'import sys' >/dev/null 2>&1; then
        command -v python3.10; return
    fi
    if command -v pyenv >/dev/null 2>&1; then
        local v
        for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.[0-9]+)?$' | sort -V -r); do
            echo "$(pyenv prefix "$v")/bin/python3.10"; return
        done
    fi
    for p in /usr/bin/python3.10 /usr/local/bin/python3.10; do
        if [ -x "$p" ]; then echo "$p"; return; fi
    done
}

if [ ! -x .venv/bin/python ]; then
    py="$(find_python || true)"
    if [ -z "$py" ] || ! "$py" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
        echo "error: Python 3.10 is required (Rasa 3.6 does not run on 3.11+) and none was found." >&2
        echo "fix: install it (for example 'pyenv install 3.10.13') or run with PYTHON=/path/to/python3.10" >&2
        exit 1
    fi
    echo "==> creating .venv with $("$py" --version)"
    "$py" -m venv .venv
fi

stamp=.venv/.installed-pyproject
if [ ! -f "$stamp" ] || ! cmp -s <(cat pyproject.toml scripts/no-deps-requirements.txt) "$stamp"; then
    echo "==> installing the project and its dependencies into .venv (first time: a few minutes)"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[test]"
    .venv/bin/python -m pip install --quiet --no-deps --require-hashes -r scripts/no-deps-requirements.txt
    cat pyproject.toml scripts/no-deps-requirements.txt >"$stamp"
fi
touch "$stamp"
