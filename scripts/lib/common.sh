# Shared by the scripts: where things are, installing Debian packages, building.
# Source it; it defines functions only.

IMCHAT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
IMCHAT_BUILD="${IMCHAT_BUILD:-${IMCHAT_ROOT}/build}"

# Packages needed to build and run (runtime) and to test (test).
IMCHAT_BUILD_PACKAGES=(build-essential cmake pkg-config libpaho-mqttpp-dev libpaho-mqtt-dev
  mosquitto-dev libmosquitto-dev nlohmann-json3-dev libsqlite3-dev libssl-dev libedit-dev libboost-dev)
IMCHAT_RUN_PACKAGES=(mosquitto mosquitto-clients libmosquitto1 libpaho-mqttpp3-1 libpaho-mqtt1.3 libsqlite3-0
  libedit2 openssl)
IMCHAT_TEST_PACKAGES=(catch2 python3 python3-paho-mqtt sqlite3 docker-compose tmux clang libclang-rt-14-dev faketime
  chromium chromium-driver python3-selenium)
# The web client (web/) is bundled with npm. A node that brings its own npm (nodesource) is
# used as it is; Debian's nodejs + npm only when there is no npm at all. Checkouts without
# web/ (the container's C++ build stage) need neither; the container's web stage installs
# only these (scripts/setup --web-only).
IMCHAT_WEB_PACKAGES=()
command -v npm >/dev/null 2>&1 || IMCHAT_WEB_PACKAGES=(nodejs npm)
if [ -d "${IMCHAT_ROOT}/web" ]; then
  IMCHAT_BUILD_PACKAGES+=("${IMCHAT_WEB_PACKAGES[@]}")
fi
# The MQTT.js tests (tests/node, `npm ci` into the build tree) need npm too.
command -v npm >/dev/null 2>&1 || IMCHAT_TEST_PACKAGES+=(nodejs npm)

imchat_say() { printf 'imchat: %s\n' "$*" >&2; }
imchat_die() { printf 'imchat: error: %s\n' "$*" >&2; exit 1; }

# Installs any of the given Debian packages that are missing (apt-get, as root).
imchat_ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  imchat_say "installing missing packages: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || imchat_die "need root (or sudo) to install: ${missing[*]}"
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq || imchat_die "apt-get update failed; check the network or the apt sources"
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    imchat_die "apt-get install failed for: ${missing[*]}"
}

# Configures (first time) and builds incrementally. Extra args go to cmake's configure step.
imchat_build() {
  local jobs
  jobs="$(nproc 2>/dev/null || echo 2)"
  if [ ! -f "${IMCHAT_BUILD}/CMakeCache.txt" ] || [ $# -gt 0 ]; then
    imchat_say "configuring in ${IMCHAT_BUILD#${IMCHAT_ROOT}/}"
    cmake -S "${IMCHAT_ROOT}" -B "${IMCHAT_BUILD}" "$@" >/dev/null || imchat_die "cmake configure failed"
  fi
  imchat_say "building (${jobs} jobs)"
  # Per-file lines ("[ 42%] Building ...") are dropped; "Built target" lines show progress,
  # warnings and errors are kept.
  local status=0
  cmake --build "${IMCHAT_BUILD}" -j "${jobs}" > >(grep --line-buffered -v -E '^\[ *[0-9]+%\] (Building|Linking)' >&2) 2>&1 || status=$?
  [ "$status" -eq 0 ] || imchat_die "build failed (see the compiler output above)"
}

# Prints a free TCP port on 127.0.0.1.
imchat_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# True when something listens on 127.0.0.1:$1.
imchat_port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
