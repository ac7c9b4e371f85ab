# orderflow's entry points: a thin layer over CMake and the scripts in scripts/.
# `make help` lists the targets; `make run` and `make test` are the two that matter most.

SHELL := /bin/bash
.DEFAULT_GOAL := help

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
STACK := OF_BIN_DIR=$(abspath $(BUILD_DIR)) scripts/stack.sh
C_SOURCES = $(shell git ls-files '*.c' '*.h' 2>/dev/null || \
	find . -path ./build -prune -o -path './build-*' -prune -o -name '*.[ch]' -print)

# One step at a time: deps must finish before build, build before the stack starts.
.NOTPARALLEL:

.PHONY: help deps build kafka-jars run up down status logs clean-data test format format-check \
	clean bench gateway-conf demo

help: ## list the targets
	@echo "orderflow: seven C daemons, a native local stack (Postgres, Redis, Kafka) and tests"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-13s %s\n", $$1, $$2}' \
		$(MAKEFILE_LIST)
	@echo
	@echo "Stack settings (ports, OF_STACK_DIR, ...): scripts/stack.sh help"

deps: ## install missing Debian packages (apt-get, only what is missing)
	scripts/deps.sh

build: ## configure and build the daemons with CMake (RelWithDebInfo, into build/)
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build $(BUILD_DIR) -j$(JOBS)

kafka-jars: ## fetch the Kafka broker's jars once (Maven Central, cached)
	@scripts/kafka-jars.sh >/dev/null

run: deps build kafka-jars ## start everything, wait until ready, follow the logs; Ctrl-C stops all
	$(STACK) run

up: deps build kafka-jars ## like run, but in the background
	$(STACK) up

down: ## stop the daemons and the infrastructure
	$(STACK) down

status: ## show what is running, with pids, ports and /readyz
	@$(STACK) status

logs: ## follow all logs (Ctrl-C to stop following)
	@$(STACK) logs

clean-data: ## stop everything and delete the stack's data and logs (.run/)
	$(STACK) clean-data

demo: ## on the running stack (make run / make up): an order to DELIVERED, a declined one compensated
	scripts/demo.sh

test: deps kafka-jars ## sanitizer build, unit and integration tests (ctest)
	scripts/test.sh

gateway-conf: build ## rewrite gateway/nginx.compose.conf from the daemons' --describe
	$(STACK) gateway-conf compose >gateway/nginx.compose.conf.tmp
	mv gateway/nginx.compose.conf.tmp gateway/nginx.compose.conf

format: ## clang-format every tracked .c and .h file in place
	@files="$(C_SOURCES)"; [[ -z $$files ]] || clang-format -i $$files

format-check: ## fail if any .c or .h file is not clang-formatted
	@files="$(C_SOURCES)"; [[ -z $$files ]] || clang-format --dry-run --Werror $$files

clean: ## delete the build directories
	rm -rf build build-asan build-valgrind

bench: deps build kafka-jars ## start-up time, idle memory, feed latency, saga throughput (reports, never fails on numbers)
	OF_BIN_DIR=$(abspath $(BUILD_DIR)) bench/startup
	OF_BIN_DIR=$(abspath $(BUILD_DIR)) bench/feed
	OF_BIN_DIR=$(abspath $(BUILD_DIR)) bench/saga
