#!/usr/bin/env bash
# Paths of the cached test-bed tools; sourced by the test bed scripts, the Makefile and CI.
# shellcheck disable=SC2034
MESHOPS_CACHE=${MESHOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/meshops-istio-edge}
export MESHOPS_CACHE
export MESHOPS_K8S_BIN=${MESHOPS_K8S_BIN:-$MESHOPS_CACHE/k8s-v1.20.2}
export MESHOPS_HELM3=${MESHOPS_HELM3:-$MESHOPS_CACHE/helm-v3/helm}
export MESHOPS_HELM4=${MESHOPS_HELM4:-$MESHOPS_CACHE/helm-v4/helm}
export MESHOPS_VENV=${MESHOPS_VENV:-$MESHOPS_CACHE/venv311}
export MESHOPS_VENV312=${MESHOPS_VENV312:-$MESHOPS_CACHE/venv312}
