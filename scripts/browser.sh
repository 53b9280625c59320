#!/usr/bin/env bash
# Installs what the browser tests need: Debian's Chromium and its chromedriver, and axe-core (the
# accessibility checker the tests inject into each page; never served by Guichet) under the
# target directory, its tarball checked against the hash pinned here.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
fi

AXE_VERSION=4.14.1
AXE_SHA256=e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745
dir="$target/axe-core"
if [ ! -f "$dir/axe.min.js" ] || [ "$(cat "$dir/VERSION" 2>/dev/null)" != "$AXE_VERSION" ]; then
    mkdir -p "$dir"
    tgz="$dir/axe-core-$AXE_VERSION.tgz"
    curl -sSfL --retry 3 -o "$tgz" "https://registry.npmjs.org/axe-core/-/axe-core-$AXE_VERSION.tgz"
    echo "$AXE_SHA256  $tgz" | sha256sum -c --quiet
    tar -xzf "$tgz" -C "$dir" --strip-components=1 package/axe.min.js package/LICENSE
    echo "$AXE_VERSION" >"$dir/VERSION"
    rm "$tgz"
fi
