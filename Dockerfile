# A production image of Atraxion: `docker build -t atraxion .` (docs/deploying.md#installing).
FROM python:3.11-slim
COPY . /src
RUN pip install --no-cache-dir /src && rm -rf /src \
 && useradd --system --create-home --home-dir /data atraxion
USER atraxion
WORKDIR /data
ENV ATRAXION_DATABASE_URL=sqlite:////data/atraxion.db
VOLUME /data
EXPOSE 8000
CMD ["atraxion", "serve", "--host", "0.0.0.0", "--port", "8000"]
