# Podman for the container test and for `podman-compose up` on machines without Docker.
# Source it after common.sh; it defines functions only.

# The project's containers.conf (runc, cgroupfs, explicit ulimits: see that file). Podman reads
# it instead of its built-in defaults; the machine's own configuration is not touched.
IMCHAT_CONTAINERS_CONF="${IMCHAT_ROOT}/docker/podman/containers.conf"
IMCHAT_PODMAN_PACKAGES=(podman runc podman-compose netavark aardvark-dns iptables debootstrap)
IMCHAT_BASE_IMAGE="docker.io/library/debian:bookworm"
# Marks a base image made here with debootstrap (not the registry's).
IMCHAT_BASE_LABEL="org.imchat.base=debootstrap"

imchat_podman_env() {
  export CONTAINERS_CONF="${CONTAINERS_CONF:-${IMCHAT_CONTAINERS_CONF}}"
}

# Fails with a clear message when podman cannot run a container here at all.
imchat_podman_check() {
  command -v podman >/dev/null || imchat_die "podman is not installed (scripts/podman-setup installs it)"
  local out
  if ! out="$(podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}}' 2>&1)"; then
    imchat_die "podman does not work here: ${out}"
  fi
}

# Prints the source of debian:bookworm: "local" (already there), "registry" (pulled) or
# "debootstrap" (made here: no registry reachable).
imchat_base_image() {
  if podman image exists "${IMCHAT_BASE_IMAGE}"; then
    if podman image inspect --format '{{index .Labels "org.imchat.base"}}' "${IMCHAT_BASE_IMAGE}" |
        grep -q debootstrap; then
      imchat_say "debian:bookworm: using the base image made earlier with debootstrap (no registry was reachable)"
      echo debootstrap
    else
      imchat_say "debian:bookworm: using the image already in podman's storage"
      echo local
    fi
    return 0
  fi
  imchat_say "debian:bookworm: pulling from the registry"
  if timeout 300 podman pull -q "${IMCHAT_BASE_IMAGE}" >/dev/null 2>&1; then
    echo registry
    return 0
  fi
  imchat_say "debian:bookworm: no image registry is reachable; making the base image with debootstrap instead"
  imchat_debootstrap_image >&2
  echo debootstrap
}

# Builds a minimal Debian 12 root filesystem (debootstrap --variant=minbase, from the same
# mirror apt uses here), caches it as a tarball under the build directory, and imports it as
# debian:bookworm. A cached tarball is reused (a few seconds instead of a few minutes).
imchat_debootstrap_image() {
  local cache="${IMCHAT_BUILD}/container" tarball root mirror
  tarball="${cache}/debian-bookworm-minbase.tar"
  mkdir -p "${cache}"
  if [ ! -s "${tarball}" ]; then
    mirror="$(imchat_debian_mirror)"
    root="$(mktemp -d "${cache}/rootfs.XXXXXX")"
    imchat_say "debootstrap --variant=minbase bookworm from ${mirror} (takes a few minutes)"
    if ! debootstrap --variant=minbase bookworm "${root}" "${mirror}" >"${cache}/debootstrap.log" 2>&1; then
      rm -rf "${root}"
      imchat_die "debootstrap failed; see ${cache}/debootstrap.log"
    fi
    # The same apt sources as the official image: release, updates and security.
    rm -f "${root}/etc/apt/sources.list"
    cat >"${root}/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: ${mirror}
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    rm -rf "${root}/var/cache/apt/archives/"*.deb "${root}/var/lib/apt/lists/"*
    tar -C "${root}" --numeric-owner -cf "${tarball}.tmp" . && mv "${tarball}.tmp" "${tarball}"
    rm -rf "${root}"
  else
    imchat_say "using the cached root filesystem ${tarball#${IMCHAT_ROOT}/}"
  fi
  podman import -q --change "LABEL ${IMCHAT_BASE_LABEL}" --change 'CMD ["bash"]' \
    "${tarball}" "${IMCHAT_BASE_IMAGE}" >/dev/null || imchat_die "podman import of ${tarball} failed"
}

# The Debian mirror the host's apt uses (deb.debian.org when none is found).
imchat_debian_mirror() {
  local uri
  uri="$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list \
           /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
         grep -oE 'https?://[^ ]+' | head -n 1)"
  echo "${uri:-http://deb.debian.org/debian}"
}
