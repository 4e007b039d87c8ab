# Two commands for a newcomer: `make run` (the whole local system) and `make test` (the full suite).
# Both create .venv on first use from constraints.txt, so installs are reproducible.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench lint clean build-WeatherApiFunction

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,local]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m webapp

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The benchmarks also measure the peers (flask-oidc, flask-cognito-lib, PyJWT, python-jose): the `bench` extra.
$(VENV)/.installed-bench: $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,local,bench]'
	@touch $@

bench: $(VENV)/.installed-bench
	$(BIN)/python -m tests.benchmarks

# `sam build --build-in-source -t deploy/weather-api.yaml` runs this for the weather API's Lambda function: the
# project and its dependencies pinned by constraints.txt, as wheels for the function's runtime (Python 3.12 on
# x86_64), into the folder SAM zips.
build-WeatherApiFunction: $(STAMP)
	$(BIN)/pip install --quiet --target "$(ARTIFACTS_DIR)" --platform manylinux2014_x86_64 --implementation cp \
	    --python-version 3.12 --only-binary=:all: -c constraints.txt .

clean:
	rm -rf $(VENV) .pytest_cache .state
