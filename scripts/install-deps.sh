#!/usr/bin/env bash
# Installs the Debian packages the test rig needs: GStreamer's RTSP server for
# the test cameras (gstreamer1.0-x for the clock they burn in), ffmpeg/ffprobe, haproxy, psql and nc, ip and
# unshare (the fuzzer's network of its own), and PostgreSQL's
# server binaries (the outage test runs a throwaway cluster). `--browser` adds
# Chromium for the browser tests.
# Only what is missing is installed, so on a ready machine this makes no
# network call and returns at once (it runs before every test command).
set -euo pipefail

packages=(
  ffmpeg haproxy
  gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0 python3-gi
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-tools gstreamer1.0-x fonts-dejavu-core
  postgresql-client postgresql netcat-openbsd openssl curl
  iproute2 util-linux
)
for arg in "$@"; do
  case "$arg" in
    --browser) packages+=(chromium chromium-driver) ;;
    -h|--help) echo "usage: $0 [--browser]"; exit 0 ;;
    *) echo "install-deps: unknown argument '$arg' (usage: $0 [--browser])" >&2; exit 2 ;;
  esac
done

# dpkg's own database answers "is it installed" without touching the network.
missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if ((${#missing[@]})); then
  # CI runners are root; developer machines usually need sudo.
  sudo=()
  if ((EUID != 0)); then
    if command -v sudo >/dev/null; then
      sudo=(sudo)
    else
      echo "install-deps: missing ${missing[*]}; run as root or install sudo" >&2
      exit 1
    fi
  fi
  echo "install-deps: installing ${missing[*]}" >&2
  # The package lists may be stale or absent (fresh containers), so refresh
  # them, but only when there is something to install.
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The packages can be present and still unusable (e.g. a broken GI typelib), so
# check what the tests actually use. The camera must run under Debian's
# python: a pyenv python3 earlier on PATH has no `gi`.
if ! /usr/bin/python3 -c "import gi; gi.require_version('GstRtspServer','1.0'); from gi.repository import GstRtspServer" 2>/dev/null; then
  echo "install-deps: /usr/bin/python3 cannot import GstRtspServer (need python3-gi and gir1.2-gst-rtsp-server-1.0)" >&2
  exit 1
fi
for bin in ffmpeg ffprobe haproxy; do
  if ! command -v "$bin" >/dev/null; then
    echo "install-deps: '$bin' is not on PATH after installing; check PATH and the ffmpeg/haproxy packages" >&2
    exit 1
  fi
done

# Build GStreamer's plugin registry once, here: otherwise the first test
# cameras, started in parallel, all build it at the same time.
gst-inspect-1.0 x264enc >/dev/null
gst-inspect-1.0 clockoverlay >/dev/null
