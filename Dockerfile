# syntax=docker/dockerfile:1
# monhook container images. `make image` builds both targets with the version and revision from git:
#   docker build --build-arg VERSION=v1.2.3 --build-arg REVISION=$(git rev-parse HEAD) -t monhook:v1.2.3 .
#   docker build --target alert-manager ... -t monhook-alert-manager:v1.2.3 .
# (podman and buildah build it as it is; add --format docker there to keep the HEALTHCHECK.)
# Stage build runs the same static build as `make build-static`; the runtime stages put that one binary on a
# distroless base: no shell, no package manager, a numeric non-root user.
#
# Base images are fully qualified and pinned by digest, so a build never picks up a moved tag. To bump one, read the
# digest of the new tag's (multi-platform) index and replace tag and digest together, e.g.
#   skopeo inspect --format '{{.Digest}}' docker://docker.io/library/golang:1.26.9-bookworm
#   docker buildx imagetools inspect gcr.io/distroless/static-debian12:nonroot
# and keep the golang tag's Go release at or above go.mod's `go` line.
ARG GO_IMAGE=docker.io/library/golang:1.26.8-bookworm@sha256:a688600ca24f8a4d3ca77f95b0dd40704a9fc787c826660eb7ba0b641b8b175d
ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab

FROM ${GO_IMAGE} AS build
WORKDIR /src
COPY . .
# The build context has no .git, so the version and the commit come in as arguments.
ARG VERSION=dev
ARG REVISION=
# Module and build caches are mounts, not layers (named here, whatever HOME and GOPATH the base sets): go build
# downloads only the modules the binary imports (go.mod also lists the proto tools), and nothing of them stays in the
# build stage's layers.
RUN --mount=type=cache,target=/cache/mod --mount=type=cache,target=/cache/build \
	GOMODCACHE=/cache/mod GOCACHE=/cache/build CGO_ENABLED=0 \
	go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.revision=${REVISION}" -o /out/monhook ./cmd/monhook

# ---- runtime: everything from here on is what `make image-local` builds offline, from bin/monhook-static on a
# scratch base with the same user and CA certificates (see deploy/image/), and what `make image-test` runs.
FROM ${RUNTIME_IMAGE} AS monitoring
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="monhook" \
	org.opencontainers.image.description="Cloudforet monitoring webhook plugin: alerts from many monitoring tools as Cloudforet events" \
	org.opencontainers.image.source="https://github.com/monhook/monhook" \
	org.opencontainers.image.licenses="Apache-2.0" \
	org.opencontainers.image.version="${VERSION}" \
	org.opencontainers.image.revision="${REVISION}"
# monhook reads configs/monhook.yaml from its working directory; flags and MONHOOK_* variables override it.
WORKDIR /app
COPY --from=build /out/monhook /usr/local/bin/monhook
COPY configs/monhook.yaml /app/configs/monhook.yaml
# gRPC (Cloudforet's plugin protocol, on the 50051 that Cloudforet's supervisor hard-codes; it sets no SPACEONE_PORT)
# and the admin listener (/metrics, /healthz, /readyz).
EXPOSE 50051 9464
# Numeric, so kubelet can check runAsNonRoot; any other UID works too (nothing in the image is written).
USER 65532:65532
# The gRPC health of the server this container runs, at its configured listen address (Kubernetes ignores this and
# probes gRPC itself; see deploy/helm/monhook).
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["/usr/local/bin/monhook", "health"]
ENTRYPOINT ["/usr/local/bin/monhook", "serve"]

# The Alert Manager variant: the same image serving Cloudforet's alert manager plugin protocol. It differs only by
# this variable, so it shares every layer; publish it under its own name (monhook-alert-manager), with the same
# tags, because Cloudforet registers every tag of an image as a version of one plugin.
FROM monitoring AS alert-manager
ENV MONHOOK_PROTOCOL=alert_manager

# The default target: the monitoring webhook plugin.
FROM monitoring
