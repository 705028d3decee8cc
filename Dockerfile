# Corral's container image: the `corral` CLI on Node 20, for `corral serve` (a node), `corral gateway` and the
# Helm chart in deploy/helm/corral. One image for CPU and GPU nodes: node-llama-cpp's optional CUDA binaries are
# installed with the rest, and a GPU node needs only the NVIDIA driver from the host (NVIDIA Container Toolkit).
#
#   docker build -t corral:0.1.0 .
#   docker build --build-arg TRAINER=true -t corral:0.1.0-trainer .   # with PyTorch for fine-tuning
#   docker run -p 11434:11434 -v corral:/var/lib/corral corral:0.1.0 serve

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ARG TRAINER=false
# tini reaps runner processes and forwards SIGTERM, so `corral` drains before the container stops.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini ca-certificates \
  && if [ "$TRAINER" = "true" ]; then \
       apt-get install -y --no-install-recommends python3 python3-torch python3-numpy libopenblas0-pthread; \
     fi \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/corral
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/src/finetune/python ./src/finetune/python
RUN groupadd --system corral && useradd --system --gid corral --home-dir /var/lib/corral corral \
  && mkdir -p /var/lib/corral && chown corral:corral /var/lib/corral
USER corral
# Listening beyond loopback turns auth on (the default); the chart and the docs run nodes on a private network.
ENV CORRAL_HOME=/var/lib/corral \
    CORRAL_HOST=0.0.0.0:11434 \
    NODE_ENV=production
VOLUME ["/var/lib/corral"]
EXPOSE 11434
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/opt/corral/dist/cli/main.js"]
CMD ["serve"]
