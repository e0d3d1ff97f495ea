# Three stages from one file, on Node.js 24 (LTS; package.json "engines" says the lowest supported).
#   build: every dependency, `npm run build` (compiled JavaScript in dist/, the workflow bundle built once).
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

FROM node:24-bookworm-slim AS production
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts=false && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
CMD ["node", "dist/api/main.js"]
