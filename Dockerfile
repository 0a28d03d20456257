FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY schemas schemas
COPY worker worker
COPY ui ui
COPY prompts prompts
RUN pip install --no-cache-dir ".[postgres]"
ENV BUDGETLENS_DATA_DIR=/data
VOLUME /data
ENTRYPOINT ["budgetlens"]
CMD ["--help"]
