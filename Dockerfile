# The API and the worker: one image, two commands (docker-compose.yml picks one per service).
# They run the TypeScript sources with tsx, as `npm start` does; there is no build step.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000

# dependencies first, so a change of the sources does not reinstall them; tsx is a dev
# dependency and is needed at run time
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && npm cache clean --force

COPY . .
RUN chown -R node:node /app
USER node

EXPOSE 3000 9464
CMD ["npx", "tsx", "api/main.ts"]
