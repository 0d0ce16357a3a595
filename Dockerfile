# monhook container image: `make image` (docker build --build-arg VERSION=$(git describe ...) -t monhook:VERSION .).
# Stage 1 runs the same static build as `make build-static`; stage 2 is that one binary on a distroless base:
# no shell, no package manager, non-root.

FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so a code change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The build context has no .git, so the version comes in as an argument.
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/monhook ./cmd/monhook

FROM gcr.io/distroless/static-debian12:nonroot
# monhook reads configs/monhook.yaml from its working directory; flags and MONHOOK_* variables override it.
WORKDIR /app
COPY --from=build /out/monhook /usr/local/bin/monhook
COPY configs/monhook.yaml /app/configs/monhook.yaml
# gRPC (Cloudforet's plugin protocol, on the 50051 that Cloudforet's supervisor hard-codes; it sets no SPACEONE_PORT)
# and the admin listener (/metrics, /healthz, /readyz).
EXPOSE 50051 9464
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/monhook", "serve"]
