# syntax=docker/dockerfile:1

# One image for every gatesync process. The default command serves the HTTP API; the worker and the
# migration job run the same image with another command (see docker-compose.yml, docs/deployment.md):
#   docker run … gatesync npx tsx src/worker/main.ts
#   docker run … gatesync npx tsx src/db/migrate-main.ts
# TypeScript is run by tsx (a runtime dependency), so there is no compile stage: the image carries the
# sources and tsconfig.json, which tsx reads for the decorator settings MikroORM needs.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- dependencies: production node_modules, installed exactly from the lockfile ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
# Native pieces (sharp, the Temporal core bridge, esbuild) ship prebuilt for linux-x64/arm64 glibc,
# which is why the base is Debian slim rather than Alpine.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    GATESYNC_DATA_DIR=/app/.data \
    API_HOST=0.0.0.0 \
    API_PORT=3000
WORKDIR /app

# Code and dependencies stay owned by root and read-only to the app user; only the data directory
# (a volume in compose) is writable.
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN mkdir -p /app/.data && chown node:node /app/.data

# The official node image's unprivileged user (uid 1000).
USER node

EXPOSE 3000

CMD ["npx", "tsx", "src/api/main.ts"]
