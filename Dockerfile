# syntax=docker/dockerfile:1
# The platform's one image: every process role (server/roles.ts) runs from it, `--role` picks
# which. Without arguments it runs the whole platform (`--role all`), with embedded ClickHouse
# and its own redis-server under /data unless CLICKHOUSE_URL / REDIS_URL are set (a config in
# production mode needs REDIS_URL, with a password). It needs a config file: mount one at
# /etc/cpg/config.json or point CONFIG at one; it never falls back to the development config
# (docker-compose.yml names that one on purpose, in development mode).
FROM node:20-bookworm-slim

# `--role all` without REDIS_URL starts its own redis-server (server/redis-process.ts), through
# util-linux's setpriv (in the base image) so that it stops if the platform dies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# The lock file's overrides point into vendor/, so it is there before npm ci.
COPY package.json package-lock.json ./
COPY vendor ./vendor
# TypeScript runs as source through tsx, a runtime dependency: nothing is compiled ahead,
# so the development dependencies (typescript, vitest, playwright) stay out of the image.
RUN npm ci --omit=dev && npm cache clean --force

COPY . .

# 0.0.0.0: inside its container, loopback would be out of reach of published ports and of
# the other services. What listens there is guarded by the config: production mode refuses
# development secrets and a Redis without a password (server/config/production.ts).
ENV HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data \
    CONFIG=/etc/cpg/config.json
# Created here, owned by the runtime user, so named volumes mounted on /data start writable.
RUN mkdir -p /data/reports && chown -R node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080

# /health answers 200 once this process's ClickHouse and Redis answer.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# node itself is PID 1: server/main.ts stops cleanly on SIGTERM. Arguments go to main.ts,
# e.g. `docker run IMAGE --role switch` or `docker run IMAGE --demo`.
ENTRYPOINT ["node", "--import", "tsx", "server/main.ts"]
CMD ["--role", "all"]
