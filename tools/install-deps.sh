#!/bin/sh
# Everything cryo needs to build and to run its tests, from Debian's packages.
set -e
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential cmake pkg-config \
	libelf-dev libseccomp-dev libnl-3-dev libcmocka-dev \
	python3 procps openjdk-17-jdk-headless tmux \
	nftables iproute2 redis-server >/dev/null
