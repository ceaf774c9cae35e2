# One osusume node (docs/deploy.md): the service built from this repository.
FROM node:20-bookworm-slim
WORKDIR /app
COPY . .
RUN npm ci && npm run build
ENV OSUSUME_HOME=/var/osusume
EXPOSE 3000
CMD ["node", "packages/server/dist/src/main.js"]
