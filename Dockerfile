# The worker and the API in one image (the command picks which). TypeScript runs through tsx; the worker bundles
# the workflow code at start, as in development.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts=false && npm cache clean --force
COPY tsconfig.json ./
COPY activities ./activities
COPY cisco-wsdl ./cisco-wsdl
COPY api ./api
COPY clients ./clients
COPY config ./config
COPY inventory ./inventory
COPY scripts ./scripts
COPY simulator ./simulator
COPY worker ./worker
COPY workflows ./workflows
USER node
CMD ["node", "--import", "tsx", "api/main.ts"]
