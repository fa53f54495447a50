# syntax=docker/dockerfile:1

# Build: every dependency, `nest build` (tsc with the Swagger plugin), then only the production
# dependencies are kept. vendor/ comes before `npm ci`: package.json's overrides point into it.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY vendor ./vendor
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build
RUN npm prune --omit=dev --no-audit --no-fund

# Runtime: the compiled app, its production dependencies and package.json (read for the name and
# version), owned by root and run as the image's unprivileged `node` user.
FROM node:24-bookworm-slim
# Two malloc arenas for all of node's threads rather than up to eight per core, and a fixed 128 KiB
# trim threshold (glibc otherwise raises it as large blocks are freed, and keeps what start-up freed):
# about 10 MiB less RSS at idle (docs/benchmarks.md).
ENV NODE_ENV=production MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=131072
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
# node_modules links into vendor/ (package.json overrides).
COPY --from=build /app/vendor ./vendor
COPY --from=build /app/dist ./dist
# DATA_DIR (./data): locally stored pictures when CLOUDINARY_URL is unset; the one writable folder.
RUN mkdir data && chown node:node data
USER node
EXPOSE 5001
# Slim images have no curl: node itself asks for /api/health and fails on anything but a 2xx.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 5001) + '/api/health', { signal: AbortSignal.timeout(4000) }).then((res) => process.exit(res.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself (no shell in between), then drains and exits 0.
# A young generation of fixed 8 MiB semi-spaces: V8 would start at 1 MiB and grow only when much
# survives, so at low load it scavenged every 20-35 requests and 2-4% of them waited for one; with
# 2 MiB pauses are short but too frequent, with V8's 16 the memory under load triples
# (docs/benchmarks.md).
CMD ["node", "--min-semi-space-size=8", "--max-semi-space-size=8", "--no-allocation-site-pretenuring", "dist/main.js"]
