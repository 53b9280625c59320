#!/usr/bin/env bash
# deny.sh: `cargo deny check licenses bans sources` against deny.toml (no GPL, every duplicate
# with its written reason, crates.io only). Builds the pinned cargo-deny once, under the cargo
# target directory; `deny.sh --install` only does that.
set -euo pipefail
cd "$(dirname "$0")/.."
version=0.20.2
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
root="$target/cargo-deny-$version"
if [ ! -x "$root/bin/cargo-deny" ]; then
    # Its own build directory, dropped afterwards: nothing of it belongs in the workspace's.
    env -u RUSTC_WORKSPACE_WRAPPER cargo install --quiet --locked cargo-deny --version "=$version" \
        --root "$root" --target-dir "$target/cargo-deny-build" >&2
    rm -rf "$target/cargo-deny-build"
fi
[ "${1:-}" = "--install" ] && exit 0
exec "$root/bin/cargo-deny" --locked check licenses bans sources
