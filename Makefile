# Tapestry developer entry points. Every target creates or reuses .venv itself, so a fresh clone
# needs nothing but python3 (3.11+), make and, for `make test`, terraform.

PYTHON      ?= python3
VENV        := .venv
BIN         := $(VENV)/bin
TAPESTRY    := $(BIN)/tapestry
CHECKOV_VENV := .venv-checkov
DEMO_DIR    := demo
DEMO_ROWS   ?= 5000
PIP_FLAGS   := --quiet --disable-pip-version-check

.DEFAULT_GOAL := help
.PHONY: help demo test lint bench kickstart clean terraform-docs

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.runtime: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_FLAGS) --upgrade pip
	$(BIN)/pip install $(PIP_FLAGS) -e .
	@touch $@

# The cloud extra alone (boto3, python-terraform, dbt-snowflake, the Snowflake connector): what the aws
# target needs, without the test tools of the dev extra.
$(VENV)/.cloud: pyproject.toml $(VENV)/.runtime
	$(BIN)/pip install $(PIP_FLAGS) -e '.[cloud]'
	@touch $@

$(VENV)/.dev: pyproject.toml $(VENV)/.runtime
	$(BIN)/pip install $(PIP_FLAGS) -e '.[dev]'
	@touch $@

$(CHECKOV_VENV)/.installed:
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install $(PIP_FLAGS) 'checkov==3.3.30'
	@touch $@

# A real sync when MAILCHIMP_API_KEY and MAILCHIMP_LIST_ID are set (MAILCHIMP_API_URL optional);
# otherwise the run ends with a preview of the sync.
DEMO_SETS := $(if $(MAILCHIMP_LIST_ID),--set mailchimp_list_id=$(MAILCHIMP_LIST_ID)) \
             $(if $(MAILCHIMP_API_URL),--set mailchimp_api_url=$(MAILCHIMP_API_URL))

demo: $(VENV)/.runtime ## Run the whole local pipeline on demo data (in ./demo)
	$(TAPESTRY) demo-data --out $(DEMO_DIR)/exports --rows $(DEMO_ROWS) --seed 42
	$(TAPESTRY) init $(DEMO_DIR)/project --non-interactive --force --answers examples/demo-answers.yml $(DEMO_SETS)
	$(TAPESTRY) run --project $(DEMO_DIR)/project
	$(TAPESTRY) status --project $(DEMO_DIR)/project

# Two workers, each running whole test files (their module fixtures are built once): most tests wait on
# Terraform's provider, moto, dbt or a subprocess, so two overlap well on two cores. TEST_WORKERS=0: serial.
TEST_WORKERS ?= 2

test: $(VENV)/.dev $(CHECKOV_VENV)/.installed ## Install everything and run every test
	@command -v chromium >/dev/null 2>&1 || ./.ci/install-chromium
	$(BIN)/pytest $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadfile)

lint: $(VENV)/.dev ## ruff, mypy and terraform fmt
	$(BIN)/ruff check orchestrator tests benchmarks
	$(BIN)/ruff format --check orchestrator tests benchmarks
	$(BIN)/mypy
	terraform fmt -recursive -check terraform

terraform-docs: $(VENV)/.dev ## Regenerate the input/output tables in terraform/**/README.md
	cd tests && ../$(BIN)/python -m support.terraform_docs

bench: $(VENV)/.dev ## Run the benchmarks (prints tables; slow)
	$(BIN)/python benchmarks/pipeline_local.py
	$(BIN)/python benchmarks/sync_mailchimp.py
	$(BIN)/python benchmarks/sync_crm.py --destination hubspot
	$(BIN)/python benchmarks/sync_crm.py --destination klaviyo

# Interactive: asks for the target (local or aws) and every answer. Installs the runtime and the cloud
# extra (the aws target needs it), not the test tools. The project folder is created in KICKSTART_DIR,
# outside this checkout; relative paths in the answers start there too.
KICKSTART_DIR ?= $(HOME)/tapestry-projects

kickstart: $(VENV)/.cloud ## Create and deploy a project interactively, in KICKSTART_DIR (~/tapestry-projects)
	@mkdir -p "$(KICKSTART_DIR)"
	cd "$(KICKSTART_DIR)" && "$(CURDIR)/$(TAPESTRY)" kickstart

clean: ## Remove the demo project and build leftovers (keeps .venv)
	rm -rf $(DEMO_DIR) dist build .pytest_cache .mypy_cache .ruff_cache
