# KubeBurner's image: `docker build -t <registry>/kubeburner:0.1.0 .` (deploy/kubernetes uses it).
# Build stage: the web UI needs the dev dependencies (vite, react); the runtime does not.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Not `npm ci`: chdb's macOS/arm64 optional packages are not in the lock file (see .ci/run).
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build:web

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY bin bin
COPY src src
COPY --from=build /app/dist/web dist/web
# The node image's unprivileged user (uid 1000, as the Deployment's securityContext expects).
USER node
EXPOSE 8080 4317 4318 8000
ENTRYPOINT ["node", "bin/kubeburner.mjs"]
CMD ["collect", "--config", "/etc/kubeburner/kubeburner.yaml"]
