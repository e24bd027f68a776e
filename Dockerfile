# syntax=docker/dockerfile:1
# SOC Reminders: the bot, its scheduler and delivery worker in one process. Build and run: docs/deploy.md.
#
#   docker build -t soc-reminders .
#   docker run -p 3978:3978 -v soc-data:/data --env-file .env soc-reminders
#
# The build stage runs the same steps as test/integration/production-install.test.ts: npm ci, npm pack (which
# builds dist/ through `prepare`), scripts/install-packed.js (production dependencies only, better-sqlite3's
# build reused). The runtime stage has no compiler, no dev dependency and no source.

ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS build
# better-sqlite3 downloads a prebuilt binary when it can; these compile it when it cannot.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# Headers of the image's own Node, so node-gyp needs no download.
ENV npm_config_nodedir=/usr/local
WORKDIR /src
# Dependencies first: this layer is rebuilt only when the lockfile changes. (prepare.js builds nothing yet:
# there is no source in the image at this point.)
COPY package.json package-lock.json ./
COPY scripts/prepare.js scripts/prepare.js
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm pack --pack-destination /tmp/pack \
 && node scripts/install-packed.js /tmp/pack/soc-reminders-*.tgz /app

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3978 \
    DATABASE_URL=/data/soc-reminders.db
WORKDIR /app
COPY --from=build /app /app
# SQLite lives on a volume owned by the unprivileged user; with PostgreSQL (DATABASE_URL=postgres://…) it stays empty.
# A network share (SMB/NFS, App Service's /home) is no place for SQLite in WAL mode: use PostgreSQL there.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 3978
# Ready = database reachable and the process serving; see /readyz and /livez in README.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3978)+'/readyz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node, not npm start: npm does not pass SIGTERM on, and the service needs it to stop cleanly. The young generation's
# size is given here so that the process need not re-execute itself to set it (src/young-generation.ts).
CMD ["node", "--max-semi-space-size=8", "dist/src/index.js"]
