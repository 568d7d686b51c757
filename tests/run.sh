#!/usr/bin/env bash
# Every test of meshops.istio_edge, as CI runs it. Installs what it needs (cached), starts and stops its own
# test beds, and leaves nothing running. Usage: tests/run.sh [step ...]   (default: all steps)
# Steps: unit integration py312 docs galaxy sanity lint molecule ee
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 1
t0=$SECONDS
PASSED=0; FAILED=0; FAILED_STEPS=()
say() { echo; echo "=== [$((SECONDS - t0))s] $*"; }
step() {  # step NAME COMMAND...
  local name=$1; shift
  say "$name"
  if "$@"; then PASSED=$((PASSED + 1)); echo "--- $name: ok"; else FAILED=$((FAILED + 1)); FAILED_STEPS+=("$name"); echo "--- $name: FAILED"; fi
}
wanted() { [ ${#STEPS[@]} -eq 0 ] || [[ " ${STEPS[*]} " == *" $1 "* ]]; }
STEPS=("$@")

say "bootstrap (apt packages, kube-apiserver build, helm 3 + 4, virtualenvs: cached)"
PY312=1 bash tests/testbed/bootstrap.sh || { echo "bootstrap failed"; echo "ci: 0 passed, 1 failed"; exit 1; }
# shellcheck source=tests/testbed/env.sh
source tests/testbed/env.sh
# shellcheck disable=SC1091
source "$MESHOPS_VENV/bin/activate"
export ANSIBLE_PYTHON_INTERPRETER="$MESHOPS_VENV/bin/python" ANSIBLE_NOCOLOR=1 PY_COLORS=0 ANSIBLE_FORCE_COLOR=0
WORK=$(mktemp -d /tmp/meshops-ci.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# ansible-test needs the collection at .../ansible_collections/meshops/istio_edge (a copy, not a symlink)
case "$REPO" in
  */ansible_collections/meshops/istio_edge) COLL="$REPO" ;;
  *) COLL="$WORK/ansible_collections/meshops/istio_edge"; mkdir -p "$COLL"
     git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} cp --parents -a {} "$COLL"/ 2>/dev/null
     ( cd "$COLL" && git init -q && git add -A >/dev/null 2>&1 ) ;;
esac
export ANSIBLE_COLLECTIONS_PATH="${COLL%/ansible_collections/meshops/istio_edge}"
PIPVER=$(python - <<'PY'
import pathlib, re, ansible_test
src = (pathlib.Path(ansible_test.__file__).parent / "_internal/python_requirements.py").read_text()
print(re.search(r"pip='([0-9.]+)'", src).group(1).replace(".", "_"))
PY
)
mkdir -p ~/.ansible/test/cache && cp .ci/get_pip_shim.py ~/.ansible/test/cache/get_pip_"$PIPVER".py

unit() { python -m pytest -q -p no:cacheprovider tests/unit && (cd "$COLL" && ansible-test units --python 3.11 --color no); }
integration() { (cd "$COLL" && python -m pytest -q -p no:cacheprovider -n 2 --dist loadfile tests/integration); }
py312() {
  # Second matrix entry: Python 3.12 + ansible-core 2.21. Every unit test, and one integration file per module
  # (its main path: apply, idempotence, check mode, absent) - the full integration suite runs on 3.11 above.
  local files=(test_istio_install_playbook.py test_gateway_service_live.py test_app_route.py test_alb_ingress.py
               test_nlb_info.py test_frontdoor_origin.py test_edge_path_info.py)
  (cd "$COLL" && "$MESHOPS_VENV312/bin/python" -m pytest -q -p no:cacheprovider tests/unit \
   && PATH="$MESHOPS_VENV312/bin:$PATH" ANSIBLE_PYTHON_INTERPRETER="$MESHOPS_VENV312/bin/python" \
      "$MESHOPS_VENV312/bin/python" -m pytest -q -p no:cacheprovider -n 2 --dist loadfile -m "not slow" \
      "${files[@]/#/tests/integration/}")
}
docs() {
  local ok=0 m r
  for m in plugins/modules/*.py; do
    m=$(basename "$m" .py); ansible-doc "meshops.istio_edge.$m" >/dev/null || { echo "ansible-doc failed: $m"; ok=1; }
  done
  for r in roles/*/; do
    r=$(basename "$r"); ansible-doc -t role "meshops.istio_edge.$r" >/dev/null || { echo "ansible-doc failed: role $r"; ok=1; }
  done
  (cd "$COLL" && antsibull-docs lint-collection-docs --plugin-docs .) || ok=1
  (cd "$COLL" && antsibull-changelog lint) || ok=1
  return $ok
}
galaxy() {
  # Build the artifact, install it offline, and run what a user of the installed collection runs: every playbook by
  # its FQCN (identifier names only), and the repository paths against the installed collection. The artifact
  # leaves out the test bed, the tests, the benchmarks and the example inventories (galaxy.yml build_ignore).
  # tests/integration/test_fleet.py runs meshops.istio_edge.expose_app from such an installation on three clusters.
  local tarball p left
  (cd "$COLL" && ansible-galaxy collection build --force --output-path "$WORK/dist" >/dev/null) || return 1
  tarball=$(ls "$WORK"/dist/meshops-istio_edge-*.tar.gz) || return 1
  left=$(tar tzf "$tarball" | grep -E '^(tests|bench|inventories|extensions|\.testbed|Makefile)(/|$)')
  [ -z "$left" ] || { echo "left in the artifact:"; echo "$left"; return 1; }
  ansible-galaxy collection install --offline --force -p "$WORK/installed" "$tarball" || return 1
  ANSIBLE_COLLECTIONS_PATH="$WORK/installed" ansible-doc meshops.istio_edge.istio_install >/dev/null || return 1
  for p in expose_app unexpose_app diagnose install_istio; do
    ANSIBLE_COLLECTIONS_PATH="$WORK/installed" ansible-playbook --syntax-check -i inventories/fleet \
      "meshops.istio_edge.$p" >/dev/null || { echo "ansible-playbook meshops.istio_edge.$p failed"; return 1; }
  done
  for p in expose-app unexpose-app diagnose install-istio; do
    ANSIBLE_COLLECTIONS_PATH="$WORK/installed" ansible-playbook --syntax-check -i inventories/local \
      "playbooks/$p.yml" >/dev/null || { echo "ansible-playbook playbooks/$p.yml failed"; return 1; }
  done
}
sanity() { (cd "$COLL" && ansible-test sanity --python 3.11 --color no); }
lint() { ansible-lint --offline; }
molecule_all() { (cd "$COLL" && molecule test --all); }
ee() {
  ansible-builder create -f meta/execution-environment.yml -c "$WORK/ee-context" >/dev/null \
  && { [ -f "$WORK/ee-context/Containerfile" ] || [ -f "$WORK/ee-context/Dockerfile" ]; } \
  && grep -rq "requirements.txt" "$WORK/ee-context/_build"
}

wanted unit && step "unit tests (pytest + ansible-test units, Python 3.11 / ansible-core 2.19)" unit
wanted integration && step "integration tests on the test bed (Python 3.11 / ansible-core 2.19)" integration
wanted py312 && step "Python 3.12 / ansible-core 2.21: unit + integration" py312
wanted docs && step "ansible-doc for every module and role, antsibull-docs, changelog lint" docs
wanted galaxy && step "ansible-galaxy build + offline install + playbooks by FQCN from the installed tarball" galaxy
wanted sanity && step "ansible-test sanity" sanity
wanted lint && step "ansible-lint (production profile, offline)" lint
wanted molecule && step "molecule scenarios" molecule_all
wanted ee && step "ansible-builder create (execution environment)" ee

say "done in $((SECONDS - t0))s"
[ $FAILED -eq 0 ] || echo "failed steps: ${FAILED_STEPS[*]}"
echo "ci: $PASSED passed, $FAILED failed"
[ $FAILED -eq 0 ]
