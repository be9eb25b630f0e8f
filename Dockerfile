# srda-lst command line for batch runs (Kubernetes Indexed Job, AWS Batch array job; see README "Batch at scale").
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# A fixed glibc mmap threshold: each inference worker frees a few MB of tile buffers per tile, and
# the default (dynamic) threshold keeps ~100 MB of them per worker in its malloc arena
# (bench/README "Memory of the full tile").
ENV MALLOC_MMAP_THRESHOLD_=131072
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY models ./models
RUN ln -s /app/bin/srda-lst.js /usr/local/bin/srda-lst
USER node
ENTRYPOINT ["srda-lst"]
CMD ["--help"]
