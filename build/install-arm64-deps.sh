#!/usr/bin/env bash
# What building and smoke-testing the arm64 executable on an x64 Debian/Ubuntu machine needs: qemu
# to run arm64 Node (the build makes the code cache with it; smoke.sh runs the executable), the
# arm64 C/C++ runtime libraries as qemu's root for the dynamic loader, and arm64 binutils' strip.
# Installs only what is missing (as root, or with sudo).
set -euo pipefail
pkgs=(qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross binutils-aarch64-linux-gnu)
dpkg -s "${pkgs[@]}" >/dev/null 2>&1 && exit 0
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
