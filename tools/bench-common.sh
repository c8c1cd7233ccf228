# Shared by tools/bench.sh and tools/bench-scan.sh (sourced, not run, after they set REPO): the defaults of SHARED,
# BUILD_DIR and JOBS, the build launcher, and the host built at another commit, from `git archive`, in
# build/base-<rev>, once.
SHARED="${SHARED:-$REPO/../shared}"
BUILD_DIR="${BUILD_DIR:-$REPO/build/bench}"
JOBS="${JOBS:-2}"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

# build_base_host REV: sets base_rev and base_src; builds $base_src/build/native_host/mailveil-host if missing.
build_base_host() {
  base_rev="$(git -C "$REPO" rev-parse --short "$1")"
  base_src="$REPO/build/base-$base_rev"
  if [ ! -x "$base_src/build/native_host/mailveil-host" ]; then
    echo "== building the host of $1 ($base_rev) in $base_src" >&2
    rm -rf "$base_src"
    mkdir -p "$base_src"
    git -C "$REPO" archive "$base_rev" | tar -x -C "$base_src"
    cmake -S "$base_src" -B "$base_src/build" -DCMAKE_BUILD_TYPE=Release -DMAILVEIL_BUILD_BENCH=OFF \
      "${launcher[@]}" >/dev/null
    cmake --build "$base_src/build" -j"$JOBS" --target mailveil-host >/dev/null
  fi
}
