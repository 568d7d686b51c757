# meshops.istio_edge — developer entry points. `make local` runs expose-app on the local test bed;
# `make test` runs every test (what CI runs).
SHELL := /bin/bash
REPO := $(CURDIR)
TESTBED_DIR ?= $(REPO)/.testbed
ENV := source tests/testbed/env.sh &&
VENV_ACTIVATE := source tests/testbed/env.sh && source $$MESHOPS_VENV/bin/activate &&

.PHONY: bootstrap local local-down test unit integration sanity lint docs molecule testbed-up testbed-down bench bench-playbook

bootstrap:
	bash tests/testbed/bootstrap.sh

testbed-up: bootstrap
	@$(VENV_ACTIVATE) python tests/testbed/testbed.py up $(TESTBED_DIR) --moto >/dev/null && \
	  echo "test bed up: source $(TESTBED_DIR)/testbed.env  (stop: make testbed-down)"

testbed-down:
	@$(VENV_ACTIVATE) python tests/testbed/testbed.py down $(TESTBED_DIR)

# The main job on the local default: Istio by Helm, the gateway Service shaped for the edge, the apps routed.
# The demo apps' workloads are stand-ins made by the test bed's own play first (not part of the collection).
local: testbed-up
	@$(VENV_ACTIVATE) source $(TESTBED_DIR)/testbed.env && \
	  ANSIBLE_COLLECTIONS_PATH=$$(python -c 'import sys; sys.path.insert(0, "tests/integration"); import ansible_runner; print(ansible_runner.collections_path())') \
	  ansible-playbook -i inventories/local tests/testbed/demo-workloads.yml playbooks/expose-app.yml
	@echo "the test bed is still running for you to look at: source $(TESTBED_DIR)/testbed.env; stop it with make testbed-down"

test:
	bash tests/run.sh

unit: bootstrap
	@$(VENV_ACTIVATE) python -m pytest -q tests/unit

integration: bootstrap
	@$(VENV_ACTIVATE) python -m pytest -q -n 2 --dist loadfile tests/integration

bench: bootstrap
	@$(VENV_ACTIVATE) python bench/expose_apps.py

# The whole expose-app.yml no-op against its app_route task alone (sizes 200 1000; docs/benchmarks.md).
bench-playbook: bootstrap
	@$(VENV_ACTIVATE) python bench/expose_playbook.py
