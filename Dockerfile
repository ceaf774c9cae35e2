# One osusume node (docs/deploy.md): the service built from this repository.
FROM node:20-bookworm-slim
WORKDIR /app
COPY . .
# The image's npm may not read package.json's allowScripts: never fetch onnxruntime's CUDA libraries.
ENV ONNXRUNTIME_NODE_INSTALL=skip
RUN npm ci && npm run build
ENV OSUSUME_HOME=/var/osusume
EXPOSE 3000
CMD ["node", "packages/server/dist/src/main.js"]
