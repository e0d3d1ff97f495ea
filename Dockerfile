# Two images from one file. TypeScript runs through tsx; the worker bundles the workflow code at start, as in
# development.
#   production (the default, last stage): the worker and the API (the command picks which). It carries no simulator:
#     no simulator/ code, no demo entry, and no launcher (scripts/start.ts) that could start one.
#   demo (`--target demo`, compose profile `demo`): the CUCM simulator alone, for trying the system without a cluster.
FROM node:20-bookworm-slim AS base
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts=false && npm cache clean --force
COPY tsconfig.json ./

FROM base AS demo
COPY cisco-wsdl ./cisco-wsdl
COPY simulator ./simulator
# The simulator states CUCM's facts in its own tables (simulator/facts/) and imports nothing from the product
# (a lint rule holds it), so the demo image carries no product code.
COPY demo ./demo
# The volume mounted here takes this ownership: the simulator writes the inventory and secrets as user node.
RUN mkdir -p /demo-out && chown node:node /demo-out
USER node
EXPOSE 9000
CMD ["node", "--import", "tsx", "demo/compose-simulator.ts"]

FROM base AS production
COPY activities ./activities
COPY cisco-wsdl ./cisco-wsdl
COPY api ./api
COPY clients ./clients
COPY config ./config
COPY inventory ./inventory
COPY scripts/register-search-attributes.ts ./scripts/register-search-attributes.ts
COPY worker ./worker
COPY workflows ./workflows
USER node
CMD ["node", "--import", "tsx", "api/main.ts"]
