# syntax=docker/dockerfile:1
# comfycord: build once with the compilers SQLite's native module needs, run on the slim image
# without them. Everything installed comes from package-lock.json (npm ci) and the npm registry.

# The full image is the same Debian and Node as the slim one, with python3, make and g++ already
# in it: sqlite3 compiles here without apt, so the build needs no network but the npm registry.
FROM node:24-bookworm AS build
# Only if a future base image drops them (then apt's network is needed after all).
RUN command -v python3 >/dev/null && command -v make >/dev/null && command -v g++ >/dev/null \
 || (apt-get update \
     && apt-get install -y --no-install-recommends python3 make g++ \
     && rm -rf /var/lib/apt/lists/*)
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.ts ./scripts/build.ts
COPY src ./src
# Then only what runs: no dev dependencies, and of sqlite3's build only the module itself
# (its object files and SQLite's source are about 20 MB).
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/sqlite3/build/Release/obj node_modules/sqlite3/build/Release/obj.target \
           node_modules/sqlite3/build/Release/*.a node_modules/sqlite3/deps/*.tar.gz

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/data
WORKDIR /app
# A fixed uid so a bind-mounted data folder can be chowned to match (chown 10001:10001 ./data).
RUN groupadd --system --gid 10001 comfycord \
 && useradd --system --uid 10001 --gid comfycord --home-dir /app --shell /usr/sbin/nologin comfycord \
 && mkdir -p /data \
 && chown comfycord:comfycord /data
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The npm scripts (`npm run doctor`, ...) run it first; with no src/ here it accepts dist/ as is.
COPY --from=build /app/scripts/build.ts ./scripts/build.ts
# The shipped example and workflows; mount your own folder (bot.yaml + workflows/) over /app/config.
COPY config ./config
USER comfycord
# The SQLite file (jobs, limits, settings, reroll index) lives here: keep it on a volume.
VOLUME ["/data"]
# METRICS_PORT is off unless set; 9464 is the conventional choice for Node exporters.
EXPOSE 9464
# node as PID 1 is fine: main.ts handles SIGTERM itself (compose adds `init: true` for reaping).
CMD ["node", "dist/main.js"]
