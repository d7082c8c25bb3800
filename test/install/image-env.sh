#!/usr/bin/env bash
# Shared settings for building and running the hush image with buildah/podman on a machine
# without a container daemon or registry: vfs storage kept outside the clone (so a fresh clone,
# as CI is, reuses the base images and layers), chroot isolation, no registry look-ups.
# Source it: `. test/install/image-env.sh`.
hush_cache="${XDG_CACHE_HOME:-$HOME/.cache}/hush"
export HUSH_IMAGE_HOME="$hush_cache/image"
mkdir -p "$HUSH_IMAGE_HOME/storage" "/tmp/hush-containers-run-$(id -u)"
cat > "$HUSH_IMAGE_HOME/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$HUSH_IMAGE_HOME/storage"
runroot = "/tmp/hush-containers-run-$(id -u)"
CONF
export CONTAINERS_STORAGE_CONF="$HUSH_IMAGE_HOME/storage.conf"
export BUILDAH_ISOLATION=chroot
# runc, not crun (crun refuses hybrid cgroup v1/v2 hosts such as these VMs); no default
# ulimits (podman's defaults exceed the hard limits of a VM's root).
cat > "$HUSH_IMAGE_HOME/containers.conf" <<CONF
[containers]
default_ulimits = []
[engine]
runtime = "runc"
CONF
export CONTAINERS_CONF="$HUSH_IMAGE_HOME/containers.conf"
