# Sourced by the other scripts: one warm cargo target directory outside the clone, so a fresh
# clone (and CI) reuses the llama.cpp and Tauri builds, which take ~10 minutes on 2 cores.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lexilingo/target}"
mkdir -p "$CARGO_TARGET_DIR"
