# syntax=docker/dockerfile:1
# The amko image, for a Docker or Podman engine with access to a registry:
#   docker build -t ghcr.io/amko-ts/amko:0.1.0 .
# `make image` (scripts/image.sh) builds the same file system on a machine with neither: the
# pinned Node runtime, the production node_modules and dist/src under /app, the `amko` and
# `kubectl-amko` links on PATH, glibc, CA certificates and the non-root user 65532.
ARG NODE_VERSION=24.21.0

# Build: every dependency, then the TypeScript compiler (the unit tests import test/support).
FROM docker.io/library/node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-fund --no-audit --loglevel=error
COPY tsconfig.json ./
COPY proto proto
COPY src src
COPY test test
COPY bench bench
COPY scripts/bundle.mjs scripts/bundle.mjs
RUN npx tsc -p tsconfig.json && node scripts/bundle.mjs

# Runtime files: production dependencies only, the compiled sources without tests, the proto
# files, package.json (ESM), the node binary, env(1) for the #!/usr/bin/env shebangs.
FROM docker.io/library/node:${NODE_VERSION}-bookworm-slim AS runtime-files
WORKDIR /out/app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-fund --no-audit --loglevel=error \
 && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \
      -o -name '*.map' \) -delete \
 && rm package-lock.json
COPY proto proto
COPY --from=build /src/dist/src dist/src
RUN find dist/src -name '*.test.js*' -delete \
 && mkdir -p /out/usr/local/bin /out/usr/bin \
 && cp /usr/local/bin/node /out/usr/local/bin/node \
 && cp /usr/bin/env /out/usr/bin/env \
 && ln -s ../../../app/dist/src/main.js /out/usr/local/bin/amko \
 && ln -s ../../../app/dist/src/cli/main.js /out/usr/local/bin/kubectl-amko \
 && chmod -R u=rwX,go=rX /out \
 && chmod 0755 dist/src/main.js dist/src/cli/main.js

# Runtime: glibc, libstdc++, CA certificates, /etc/passwd with nonroot (65532), no shell. Nothing
# is written outside /tmp, so it runs with a read-only root file system (mount /tmp).
FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
COPY --from=runtime-files /out/ /
ENV PATH=/usr/local/bin:/usr/bin:/bin HOME=/home/nonroot NODE_OPTIONS=--max-semi-space-size=4
WORKDIR /app
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/amko"]
