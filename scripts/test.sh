#!/usr/bin/env bash
# The whole test suite: what the README's test command and CI run.
#
# server-broker/tests/cpp_client.rs drives the official Apache RocketMQ C++ client
# (librocketmq.so, shipped in the rocketmq-client-python wheel) against our servers; this
# script installs it into target/cpp-client-venv first (idempotent; needs python3 and PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."

# The wheel bundles its zlib and needs only libstdc++6 besides glibc. Python's venv module is
# the one system package it may lack (Debian splits it out as python3-venv).
CPP_VENV="$PWD/target/cpp-client-venv"
CPP_IMPORT='from rocketmq.client import Producer, PushConsumer'
if ! "$CPP_VENV/bin/python" -c "$CPP_IMPORT" >/dev/null 2>&1; then
  echo "== installing the RocketMQ C++ client (rocketmq-client-python 0.5.0rc2) into $CPP_VENV"
  if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1 && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq python3-venv
  fi
  python3 -m venv --clear "$CPP_VENV"
  "$CPP_VENV/bin/pip" install --quiet --only-binary=:all: rocketmq-client-python==0.5.0rc2
  "$CPP_VENV/bin/python" -c "$CPP_IMPORT"
fi
export FERROMQ_CPP_CLIENT_PYTHON="$CPP_VENV/bin/python"

cargo test --workspace "$@"
