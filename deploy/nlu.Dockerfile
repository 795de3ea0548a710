# The Rasa NLU server (Rasa Open Source 3.6.21 needs Python 3.10), the model trained at build.
FROM python:3.10-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHONPATH=/app RASA_TELEMETRY_ENABLED=false
WORKDIR /app
COPY nlu/requirements.txt nlu/requirements.lock ./nlu/
RUN pip install --no-cache-dir -r nlu/requirements.txt -c nlu/requirements.lock \
 && useradd --create-home --uid 10001 nlu
COPY nlu ./nlu
COPY content/nlu ./content/nlu
RUN env $(grep -v '^#' nlu/train.env) python -m rasa train nlu --config nlu/config.yml \
      --nlu nlu/data --out nlu/models --fixed-model-name current \
 && chown -R nlu /app
USER nlu
EXPOSE 5005
HEALTHCHECK --interval=15s --timeout=3s --start-period=120s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:5005/', timeout=2).status != 200)"
CMD ["python", "-m", "rasa", "run", "--enable-api", "--model", "nlu/models/current.tar.gz", \
     "--interface", "0.0.0.0", "--port", "5005"]
