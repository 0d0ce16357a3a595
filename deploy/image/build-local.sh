#!/usr/bin/env bash
# Builds the two images offline with podman, from the Dockerfile's own runtime stages: the `build` stage is
# replaced by the binary `make build-static` made, and the distroless base by deploy/image/offline-base.Containerfile.
# Everything the images ship (user, labels, config, ports, HEALTHCHECK, entrypoint, the variant's variable) comes
# from the Dockerfile unchanged. Usage, from the repository root (make image-local runs it):
#   deploy/image/build-local.sh IMAGE VERSION REVISION BINARY
set -euo pipefail
image=$1 version=$2 revision=$3 binary=$4

command -v podman >/dev/null 2>&1 || {
	echo "image-local: podman is not installed; \`make image-deps\` installs it (Debian: podman runc ca-certificates)" >&2
	exit 1
}
certs=/etc/ssl/certs/ca-certificates.crt
[ -r "$certs" ] || { echo "image-local: no $certs here; install Debian's ca-certificates" >&2; exit 1; }

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/base/etc/ssl/certs" "$ctx/app/configs"
cp deploy/image/rootfs/etc/passwd deploy/image/rootfs/etc/group "$ctx/base/etc/"
cp "$certs" "$ctx/base/etc/ssl/certs/"
cp "$binary" "$ctx/app/monhook"
cp configs/monhook.yaml "$ctx/app/configs/"

# The runtime stages, from their first line to the end of the Dockerfile.
marker='FROM ${RUNTIME_IMAGE} AS monitoring'
runtime=$(awk -v m="$marker" '$0 == m { p = 1 } p' Dockerfile)
[ "${runtime%%$'\n'*}" = "$marker" ] || { echo "image-local: Dockerfile has no line '$marker'" >&2; exit 1; }
printf 'ARG RUNTIME_IMAGE\nFROM scratch AS build\nCOPY monhook /out/monhook\n%s\n' "$runtime" >"$ctx/app/Containerfile"

# chroot isolation and the docker format: no nested user namespaces needed, and the HEALTHCHECK kept (OCI has none).
# No layer cache (podman 4.3 reuses a cached LABEL whatever the build arguments it expands), and every timestamp
# the commit's, so the two builds make the same layers and the variant shares them all.
epoch=$(git log -1 --format=%ct 2>/dev/null || echo 0)
build=(podman build --isolation chroot --format docker --quiet --no-cache --timestamp "$epoch")
base=localhost/monhook-offline-base:latest
# The build stages' images are left untagged; the ones these builds leave are removed again at the end.
dangling() { podman images --quiet --no-trunc --filter dangling=true | sort; }
before=$(dangling)
"${build[@]}" -f deploy/image/offline-base.Containerfile -t "$base" "$ctx/base" >/dev/null
for target in monitoring alert-manager; do
	name=$image
	[ "$target" = monitoring ] || name=$image-$target
	"${build[@]}" --target "$target" --build-arg RUNTIME_IMAGE="$base" \
		--build-arg VERSION="$version" --build-arg REVISION="$revision" -t "$name:$version" "$ctx/app" >/dev/null
	echo "built $name:$version ($(podman image inspect --format '{{.Size}}' "$name:$version") bytes)"
done
comm -13 <(echo "$before") <(dangling) | xargs --no-run-if-empty podman rmi --force >/dev/null
