# syntax=docker/dockerfile:1
# The GPU trainer: `lyap train` on @tensorflow/tfjs-node-gpu 4.22.0, which binds libtensorflow
# 2.9.1 and so needs CUDA 11.2 and cuDNN 8.1 (the base image below) and an NVIDIA driver on the
# host (docker run --gpus all, with the NVIDIA Container Toolkit).
#
# Not built by CI: the workplace that wrote it has no Docker engine, and the package's install
# step downloads libtensorflow from a host only an ordinary network reaches.
#
#   docker build -f deploy/gpu-trainer.Dockerfile -t lyapunov-pipeline/gpu-trainer .
#   docker run --rm --gpus all -v "$PWD/out:/out" lyapunov-pipeline/gpu-trainer \
#     --dataset mnist --model mlp --steps 2000 --probe-every 10 --out /out/events.jsonl
#
# CIFAR-10: mount the extracted binary batches and pass --dataset cifar10 --data-dir /data.

FROM node:20-bookworm-slim AS node

FROM nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04 AS build
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
  && apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY schemas ./schemas
# npm ci compiles src/ into dist/ (prepare); the second install adds the optional native peer
# (its install script fetches libtensorflow 2.9.1 for GPU) and drops the dev dependencies.
RUN npm ci --no-audit --no-fund \
  && npm install --omit=dev --no-audit --no-fund @tensorflow/tfjs-node-gpu@4.22.0

FROM nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04
COPY --from=node /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
COPY --from=build /app/schemas ./schemas
COPY --from=build /app/node_modules ./node_modules
# Fail at start, not silently on the cpu, when the GPU backend cannot load.
ENV LYAP_TF_BACKEND=node-gpu NODE_ENV=production
USER 1000:1000
ENTRYPOINT ["node", "/app/bin/lyap.js", "train"]
CMD ["--help"]
