# srda-lst command line for batch runs (Kubernetes Indexed Job, AWS Batch array job; see README "Batch at scale").
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY models ./models
RUN ln -s /app/bin/srda-lst.js /usr/local/bin/srda-lst
USER node
ENTRYPOINT ["srda-lst"]
CMD ["--help"]
