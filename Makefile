# python-compat: container images that run App Engine Standard python27 apps unchanged.
# `make help` lists the targets. Image names and tags are variables; the defaults need no registry.

DOCKER_NAMESPACE ?= python-compat
TAG ?= latest
# Derived, not taken from the environment: a stale exported name must never redirect a push.
BASE_IMAGE = $(DOCKER_NAMESPACE)/base:$(TAG)
RUNTIME_IMAGE = $(DOCKER_NAMESPACE)/runtime:$(TAG)
# Never pushed: the runtime's pinned packages without python_compat (runtime-image/Dockerfile's `packages` stage),
# the unit-test image (those packages + the test and lint pins) and the bundled example app.
RUNTIME_PACKAGES_IMAGE = $(DOCKER_NAMESPACE)/runtime-packages:$(TAG)
RUNTIME_TEST_IMAGE = $(DOCKER_NAMESPACE)/runtime-test:$(TAG)
EXAMPLE_IMAGE = $(DOCKER_NAMESPACE)/example:$(TAG)
# Compiles the library wheelhouse's sdists (runtime-image/libraries/); never pushed.
LIBRARY_BUILDER_IMAGE = $(DOCKER_NAMESPACE)/library-builder:$(TAG)
# What the library builder's root filesystem adds to the base packages: a C compiler, the Python 2.7 headers,
# MariaDB's client headers and mysql_config (mysqlclient), libxml2 and libxslt headers (lxml 2.3, 2.3.5).
LIBRARY_BUILDER_PACKAGES = gcc libc6-dev libpython2.7-dev libmariadb-dev libmariadb-dev-compat libxml2-dev libxslt1-dev
# Where `make run` serves the example app (always on 127.0.0.1).
RUN_PORT ?= 8080
# Pinned so the root filesystem tarball is bit-identical across builds (2025-01-01T00:00:00Z).
SOURCE_DATE_EPOCH ?= 1735689600
# OCI labels come from the commit, not the clock, so rebuilding a commit labels it the same way.
VERSION ?= $(TAG)
REVISION ?= $(shell git rev-parse --verify --quiet HEAD || echo unknown)
CREATED ?= $(shell git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null || echo 1970-01-01T00:00:00Z)
# Our builds need no network in RUN steps; this proves it on every build.
DOCKER_BUILD ?= docker build --network=none --quiet
# Extra pytest arguments for unit-test and integration-test, e.g. PYTEST_ARGS='-k static -x'.
PYTEST_ARGS ?=
# One directory per `make bench` run: its UTC time and the commit measured.
BENCH_RESULTS := bench/results/$(shell date -u +%Y%m%dT%H%M%SZ)-$(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
# Python 2.7 code, linted by flake8 on Python 2.7 (keep ruff.toml's extend-exclude the same).
PYTHON2_SOURCES = runtime-image/python_compat runtime-image/tests integration-tests/apps examples

export TZ = UTC
export SOURCE_DATE_EPOCH
export BASE_IMAGE RUNTIME_IMAGE RUNTIME_TEST_IMAGE

STAMPS := build/stamps
VENV := .venv
HOST_PYTHON := $(VENV)/bin/python
# Runs a command with the host test tools (`make test-tools`) first on PATH, as `make cloudbuild` runs its steps.
WITH_HOST_TOOLS = PATH="$(CURDIR)/$(VENV)/bin:$$PATH"

.DEFAULT_GOAL := help
.PHONY: help build rootfs wheelhouse wheelhouse-base wheelhouse-runtime wheelhouse-test base runtime-packages \
        runtime unit-test-image push test lint structure-test structure-test-base structure-test-runtime unit-test \
        integration-test test-tools engine names clean cloudbuild runner-test example run bench \
        wheelhouse-libraries library-rootfs library-wheels

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

names:
	@scripts/check-image-names.sh '$(DOCKER_NAMESPACE)' '$(TAG)'

engine: ## Make sure a Docker engine answers (installs Debian's docker.io when root and missing)
	@scripts/ensure-docker-engine.sh

build: runtime ## Build everything: root filesystem -> wheelhouse -> base image -> runtime image

rootfs: ## Build the reproducible Debian bullseye root filesystem tarball
	@scripts/if-changed.sh $(STAMPS)/rootfs scripts/build-rootfs.sh base-image/rootfs-hooks -- \
	  scripts/build-rootfs.sh base-image/build/rootfs.tar

# The targets below that share a name with a step of cloudbuild.yaml run that step's script with the same
# arguments, after the same steps; scripts/cloudbuild_local/tests/test_makefile_agreement.py checks it.
wheelhouse: wheelhouse-base wheelhouse-runtime wheelhouse-test wheelhouse-libraries ## Download the hashed Python 2.7 pins on the host

wheelhouse-base:
	@scripts/if-changed.sh $(STAMPS)/wheelhouse-base scripts/fetch-wheelhouse.sh base-image/requirements-bootstrap.txt \
	  base-image/requirements.txt -- \
	  scripts/fetch-wheelhouse.sh base-image/build/wheels base-image/requirements-bootstrap.txt base-image/requirements.txt

wheelhouse-runtime:
	@scripts/if-changed.sh $(STAMPS)/wheelhouse-runtime scripts/fetch-wheelhouse.sh runtime-image/requirements.txt -- \
	  scripts/fetch-wheelhouse.sh runtime-image/build/wheels runtime-image/requirements.txt

wheelhouse-test:
	@scripts/if-changed.sh $(STAMPS)/wheelhouse-test scripts/fetch-wheelhouse.sh runtime-image/requirements-test.txt -- \
	  scripts/fetch-wheelhouse.sh runtime-image/build/test-wheels runtime-image/requirements-test.txt

wheelhouse-libraries:
	@scripts/if-changed.sh $(STAMPS)/wheelhouse-libraries scripts/fetch-wheelhouse.sh scripts/fetch-library-downloads.sh \
	  runtime-image/libraries/pins.txt -- \
	  scripts/fetch-library-downloads.sh runtime-image/libraries/build/downloads runtime-image/libraries/pins.txt

library-rootfs: ## Build the library builder's root filesystem (the base packages + a compiler and headers)
	@scripts/if-changed.sh $(STAMPS)/library-rootfs scripts/build-rootfs.sh base-image/rootfs-hooks -- \
	  scripts/build-rootfs.sh --keep-debs runtime-image/libraries/build/builder-rootfs.tar $(LIBRARY_BUILDER_PACKAGES)

library-wheels: base library-rootfs wheelhouse-libraries ## Build the built-in libraries' wheelhouse (compiles sdists)
	@scripts/if-changed.sh $(STAMPS)/library-wheels $(STAMPS)/base $(STAMPS)/library-rootfs \
	  $(STAMPS)/wheelhouse-libraries scripts/build-library-wheels.sh runtime-image/libraries/Dockerfile \
	  runtime-image/libraries/debs.txt -- \
	  scripts/build-library-wheels.sh runtime-image/libraries runtime-image/build/library-wheels \
	    $(LIBRARY_BUILDER_IMAGE) $(BASE_IMAGE)

base: names engine rootfs wheelhouse-base ## Build the base image
	@scripts/if-changed.sh $(STAMPS)/base --image $(BASE_IMAGE) scripts/build-base-image.sh base-image -- \
	  scripts/build-base-image.sh $(BASE_IMAGE)

# Everything of the runtime image but the python_compat package: the unit tests start from here.
runtime-packages: base wheelhouse-runtime
	@scripts/if-changed.sh $(STAMPS)/runtime-packages --image $(RUNTIME_PACKAGES_IMAGE) \
	  scripts/build-runtime-packages-image.sh $(STAMPS)/base runtime-image/Dockerfile runtime-image/requirements.txt \
	  runtime-image/prune-sdk.sh runtime-image/build/wheels -- \
	  scripts/build-runtime-packages-image.sh $(RUNTIME_PACKAGES_IMAGE) $(BASE_IMAGE)

runtime: runtime-packages library-wheels ## Build the runtime image
	@scripts/if-changed.sh $(STAMPS)/runtime --image $(RUNTIME_IMAGE) scripts/build-runtime-image.sh \
	  $(STAMPS)/runtime-packages runtime-image/Dockerfile runtime-image/bin runtime-image/python_compat \
	  runtime-image/build/library-wheels \
	  runtime-image/zzz-python-compat-google-namespace.pth -- \
	  scripts/build-runtime-image.sh $(RUNTIME_IMAGE) $(BASE_IMAGE) $(VERSION) $(REVISION) $(CREATED)

# Not rebuilt when only the runtime package or its tests change: unit-test mounts them from the checkout.
unit-test-image: runtime-packages wheelhouse-test ## Build the unit-test image: the runtime's packages + test and lint pins
	@scripts/if-changed.sh $(STAMPS)/unit-test-image --image $(RUNTIME_TEST_IMAGE) scripts/build-unit-test-image.sh \
	  $(STAMPS)/runtime-packages runtime-image/Dockerfile.test runtime-image/requirements-test.txt \
	  runtime-image/build/test-wheels runtime-image/zzz-python-compat-google-namespace.pth -- \
	  scripts/build-unit-test-image.sh $(RUNTIME_TEST_IMAGE) $(RUNTIME_PACKAGES_IMAGE) $(BASE_IMAGE)

example: runtime ## Build the bundled example app (examples/guestbook/) FROM the runtime image
	@scripts/if-changed.sh $(STAMPS)/example --image $(EXAMPLE_IMAGE) $(STAMPS)/runtime examples/guestbook -- \
	  $(DOCKER_BUILD) --tag $(EXAMPLE_IMAGE) --build-arg RUNTIME_IMAGE=$(RUNTIME_IMAGE) examples/guestbook

run: example ## Build what is needed, then serve the example app on 127.0.0.1:$(RUN_PORT) in the development mode (Ctrl-C stops it)
	@echo "serving the example app on http://127.0.0.1:$(RUN_PORT)/ (Ctrl-C stops it)"
	@docker run --rm --name python-compat-example -p 127.0.0.1:$(RUN_PORT):8080 \
	  -e DEVELOPMENT_MODE=true -e LOG_FORMAT=text \
	  -v python-compat-example-data:/var/lib/python-compat/api $(EXAMPLE_IMAGE)

push: build ## Push both images to $(DOCKER_NAMESPACE) with $(TAG) and print their digests
	@scripts/push-images.sh $(BASE_IMAGE) $(RUNTIME_IMAGE)

test-tools: ## Install the host-side test tools (pytest, Docker SDK, container-structure-test, linters)
	@scripts/install-test-tools.sh $(VENV)

lint: test-tools unit-test-image ## hadolint, shellcheck, flake8 on Python 2.7 (in the unit-test image), ruff for Python 3
	@$(VENV)/bin/hadolint --failure-threshold warning base-image/Dockerfile runtime-image/Dockerfile \
	  runtime-image/Dockerfile.test runtime-image/libraries/Dockerfile
	@shellcheck scripts/*.sh base-image/rootfs-hooks/*.sh runtime-image/prune-sdk.sh runtime-image/bin/python-compat .ci/run \
	  scripts/cloudbuild-local
	@$(VENV)/bin/ruff check --quiet --no-cache .
	@scripts/lint-python2.sh $(RUNTIME_TEST_IMAGE) $(PYTHON2_SOURCES)

structure-test: structure-test-base structure-test-runtime ## Run the container-structure-test configs against both images

structure-test-base: base test-tools
	@$(WITH_HOST_TOOLS) container-structure-test test --image $(BASE_IMAGE) --config structure-tests/base.yaml

structure-test-runtime: runtime test-tools
	@$(WITH_HOST_TOOLS) container-structure-test test --image $(RUNTIME_IMAGE) --config structure-tests/runtime.yaml

unit-test: unit-test-image library-wheels ## Run the checkout's runtime package unit tests on Python 2.7 (PYTEST_ARGS='-k ...')
	@scripts/run-unit-tests.sh $(RUNTIME_TEST_IMAGE) $(PYTEST_ARGS)

integration-test: build unit-test-image test-tools ## Build fixture apps FROM the runtime image and test them over HTTP
	@$(WITH_HOST_TOOLS) scripts/run-integration-tests.sh $(RUNTIME_IMAGE) $(BASE_IMAGE) $(RUNTIME_TEST_IMAGE) \
	  $(PYTEST_ARGS)

bench: build test-tools ## Benchmarks against baselines measured in the same run; results saved under bench/results/
	@scripts/ensure-debian-packages.sh wrk
	@$(HOST_PYTHON) scripts/bench_serving.py --runtime-image $(RUNTIME_IMAGE) --results-dir $(BENCH_RESULTS)
	@$(HOST_PYTHON) scripts/bench_api.py --runtime-image $(RUNTIME_IMAGE) --results-dir $(BENCH_RESULTS)
	@$(HOST_PYTHON) scripts/bench_datastore.py --runtime-image $(RUNTIME_IMAGE) --results-dir $(BENCH_RESULTS)

cloudbuild: names engine test-tools ## Run cloudbuild.yaml (the release pipeline) here with the local Cloud Build runner
	@$(WITH_HOST_TOOLS) PYTHON=$(HOST_PYTHON) scripts/cloudbuild-local --config cloudbuild.yaml \
	  --substitutions '_DOCKER_NAMESPACE=$(DOCKER_NAMESPACE),_TAG=$(TAG),_SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH),_CREATED=$(CREATED)' .

runner-test: test-tools ## Unit-test the local Cloud Build runner; check cloudbuild.yaml agrees with this Makefile
	@$(HOST_PYTHON) -m pytest scripts/cloudbuild_local/tests $(PYTEST_ARGS)

test: lint runner-test structure-test unit-test integration-test ## Everything CI runs

clean: ## Remove generated files and the images this Makefile built
	-docker rmi $(EXAMPLE_IMAGE) $(RUNTIME_TEST_IMAGE) $(RUNTIME_IMAGE) $(RUNTIME_PACKAGES_IMAGE) \
	  $(LIBRARY_BUILDER_IMAGE) $(BASE_IMAGE) 2>/dev/null
	rm -rf build base-image/build runtime-image/build runtime-image/libraries/build
