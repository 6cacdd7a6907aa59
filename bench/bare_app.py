"""The floor for the HTTP benchmark: a bare Flask endpoint returning a constant JSON, served by the same gunicorn."""
from flask import Flask

app = Flask(__name__)


@app.get("/bare")
def bare():
    return {"type": "FeatureCollection", "features": [], "truncated": False}
