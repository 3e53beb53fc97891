#!/usr/bin/env bash
# Where Docker's registry cannot be reached: a stand-in for the Dockerfile's base image python:3.11-slim, made
# from Debian's own packages with debootstrap and tagged with that name, so that `docker build .` works unchanged.
# Debian bookworm (minbase) with its python3.11 and a virtual environment at /usr/local: python and pip are
# /usr/local/bin/python and /usr/local/bin/pip, and pip installs into /usr/local/lib/python3.11/site-packages, as in
# the official image. The machine's own CA certificates (/usr/local/share/ca-certificates) are trusted inside
# too, for a TLS-intercepting proxy the machine trusts; build with --build-arg PIP_CERT=/etc/ssl/certs/ca-certificates.crt.
# Needs root, debootstrap and a running Docker daemon. Usage: scripts/standin-python-image.sh [DEBIAN_MIRROR]
set -euo pipefail
mirror=${1:-http://deb.debian.org/debian}
tag=python:3.11-slim
rootfs=$(mktemp -d /tmp/standin-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT

debootstrap --variant=minbase bookworm "$rootfs" "$mirror"
cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  mkdir -p "$rootfs/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
fi
chroot "$rootfs" /bin/sh -euc '
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends python3 python3-venv ca-certificates >/dev/null
  update-ca-certificates >/dev/null
  apt-get clean
  rm -rf /var/lib/apt/lists/*
  python3 -m venv /usr/local
'
rm -f "$rootfs/etc/resolv.conf"
tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' \
  -m "stand-in for $tag: Debian bookworm (debootstrap) with Debian's python3.11 in a venv at /usr/local" - "$tag"
docker run --rm "$tag" python -c 'import sys; print("stand-in", sys.version.split()[0], "at", sys.executable)'
