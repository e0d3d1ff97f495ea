# Stages from one file, on Node.js 24 (LTS; package.json "engines" says the lowest supported).
#   build: every dependency, `npm run build` (compiled JavaScript in dist/, the workflow bundle built once).
#   temporal-setup (compose's temporal-schema and setup services): the release plus Temporal's server and
#     temporal-sql-tool built from the Go module at the version the production suite tests
#     (scripts/temporal-server.ts), running scripts/temporal-setup.ts: schemas before the server, then the namespace.
#   production (the default, last stage): the worker and the API (the command picks which), compiled JavaScript with
#     production dependencies only: no tsx, no test packages, no simulator, no launcher that could start one.
#   demo (`--target demo`, compose profile `demo`): the CUCM simulator alone, for trying the system without a cluster.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts=false
COPY tsconfig.json tsconfig.build.json ./
COPY cisco-wsdl ./cisco-wsdl
COPY domain ./domain
COPY config ./config
COPY inventory ./inventory
COPY clients ./clients
COPY activities ./activities
COPY workflows ./workflows
COPY api ./api
COPY worker ./worker
COPY scripts ./scripts
RUN npm run build

FROM build AS demo
COPY simulator ./simulator
# The simulator states CUCM's facts in its own tables (simulator/facts/) and imports nothing from the product
# (a lint rule holds it); it runs from source through tsx, a development tool this stage keeps.
COPY demo ./demo
# The volume mounted here takes this ownership: the simulator writes the inventory and secrets as user node.
RUN mkdir -p /demo-out && chown node:node /demo-out
USER node
EXPOSE 9000
CMD ["node", "--import", "tsx", "demo/compose-simulator.ts"]

FROM golang:1.26-bookworm AS temporal-tools
# Keep in step with TEMPORAL_SERVER_VERSION in scripts/temporal-server.ts (and the server image in docker-compose.yml).
RUN GOTOOLCHAIN=local GOBIN=/out go install go.temporal.io/server/cmd/server@v1.32.0 go.temporal.io/server/cmd/tools/sql@v1.32.0

FROM node:24-bookworm-slim AS temporal-setup
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts=false && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=temporal-tools /out/server /out/sql /opt/temporal/
ENV TEMPORAL_SERVER_PATH=/opt/temporal/server TEMPORAL_SQL_TOOL_PATH=/opt/temporal/sql
USER node
CMD ["node", "dist/scripts/temporal-setup.js", "all"]

FROM node:24-bookworm-slim AS production
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts=false && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
CMD ["node", "dist/api/main.js"]
