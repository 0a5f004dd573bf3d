#!/usr/bin/env bash
# CI (docker part): an engine without the default bridge (trials need no network, and the bridge would put
# containers on a private address range), and a local base image, since no image registry is reachable here.
# Sourced by .ci/run; exports DBOS_EVAL_DOCKER_BASE for the docker tests.
set -euo pipefail
BASE_IMAGE=dbos-eval-base:bookworm
CACHE=/var/cache/dbos-skill-eval/docker
if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io debootstrap
fi
if ! docker info >/dev/null 2>&1; then
  mkdir -p "$CACHE"
  nohup dockerd --bridge=none --iptables=false >"$CACHE/dockerd.log" 2>&1 &
  for _ in $(seq 120); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not answer within 120 s (log: $CACHE/dockerd.log)"; exit 1; }
fi
if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  if [ ! -f "$CACHE/bookworm.tar" ]; then  # cached between runs: debootstrap takes about a minute
    rm -rf "$CACHE/rootfs" && mkdir -p "$CACHE"
    debootstrap --variant=minbase --include=python3,python3-venv bookworm "$CACHE/rootfs" >"$CACHE/debootstrap.log"
    tar -C "$CACHE/rootfs" -cf "$CACHE/bookworm.tar.part" . && mv "$CACHE/bookworm.tar.part" "$CACHE/bookworm.tar"
    rm -rf "$CACHE/rootfs"
  fi
  docker import "$CACHE/bookworm.tar" "$BASE_IMAGE" >/dev/null
fi
export DBOS_EVAL_DOCKER_BASE="$BASE_IMAGE"
