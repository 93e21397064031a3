# syntax=docker/dockerfile:1
# hotconf — centralized configuration server with live refresh.
#   docker build -t hotconf .
#   docker run -p 8888:8888 -v hotconf-cache:/var/cache/hotconf \
#     -e HOTCONF_REPO=https://git.example.com/ops/config.git \
#     -e HOTCONF_TOKENS_FILE=/run/secrets/hotconf-tokens.yml hotconf
# docs/operations.md describes every setting. test/production/dockerfile.test.ts checks
# this file and runs its CMD against the build.

# ---- build: compile the TypeScript (server and the client SDK it imports) ----
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY client-sdk/package.json client-sdk/
# --ignore-scripts: the root `prepare` script builds, and the sources are not copied yet.
RUN npm ci --ignore-scripts
# re2 (schema patterns in linear time) is a native addon: fetch its prebuilt binary, or
# compile it with the toolchain installed here; the runtime stage copies the result.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/* \
 && npm rebuild re2
COPY tsconfig.json tsconfig.base.json ./
COPY client-sdk/tsconfig.json client-sdk/
COPY client-sdk/src client-sdk/src
COPY server server
COPY ui ui
RUN npm run build

# ---- runtime: production dependencies, the build, git ----
FROM node:20-slim
# git reads the config repository; ssh and CA certificates reach remotes; tini runs as
# PID 1, forwards SIGTERM to node and reaps git's helper processes.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates openssh-client tini \
 && rm -rf /var/lib/apt/lists/*
# A numeric, non-root user, so Kubernetes' runAsNonRoot can verify it.
RUN groupadd --system --gid 10001 hotconf \
 && useradd --system --uid 10001 --gid hotconf --home-dir /var/cache/hotconf --shell /usr/sbin/nologin hotconf \
 && mkdir -p /var/cache/hotconf \
 && chown hotconf:hotconf /var/cache/hotconf
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY client-sdk/package.json client-sdk/
# Production dependencies only (the client-sdk workspace is linked, not built, here);
# --ignore-scripts because `prepare` would try to build with the dev tools left out;
# --omit=optional leaves out json-schema-to-typescript (and its prettier): `hotconf types`
# is a developer's command, run from a checkout.
RUN npm ci --omit=dev --ignore-scripts --omit=optional \
 && npm cache clean --force
COPY --from=build /app/dist dist
COPY --from=build /app/client-sdk/dist client-sdk/dist
COPY --from=build /app/node_modules/re2/build/Release/re2.node node_modules/re2/build/Release/re2.node
COPY schemas schemas
# The bundled example repository, served when HOTCONF_REPO is not set; hotconf makes it a
# git repository on first start, so the service user owns it. Its orders/secrets document
# needs the example key from try-it.env (-e HOTCONF_ENCRYPT_KEY=…); without it that one
# document is a rejection and everything else is served.
COPY --chown=hotconf:hotconf config-repo config-repo

ENV HOTCONF_HOST=0.0.0.0 \
    HOTCONF_PORT=8888 \
    HOTCONF_CACHE_DIR=/var/cache/hotconf
# Clones of remote repositories: keeping them across restarts makes a start a fetch, not a clone.
VOLUME ["/var/cache/hotconf"]
EXPOSE 8888
USER 10001:10001
# No curl in the slim image: node asks /health itself.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HOTCONF_PORT||8888)+'/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# `serve` traps SIGTERM: it stops accepting, closes WebSockets with 1012, lets in-flight
# requests finish and exits 0.
CMD ["node", "dist/server/src/cli/main.js", "serve"]
