# The bot: webhooks, web chat, console (`serve`) and extra workers (`worker`).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHONPATH=/app HOST=0.0.0.0 PORT=8080
WORKDIR /app
COPY pyproject.toml ./
# The runtime pins only (the dev tools stay out of the image).
RUN python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml","rb"))["project"]["dependencies"]))' > /tmp/requirements.txt \
 && pip install --no-cache-dir -r /tmp/requirements.txt \
 && useradd --create-home --uid 10001 bot
COPY bot ./bot
COPY content ./content
COPY nlu/components ./nlu/components
# The training examples: the bot measures how much of a text the model was trained on.
COPY nlu/data ./nlu/data
USER bot
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status != 200)"
CMD ["python", "-m", "bot", "serve"]
