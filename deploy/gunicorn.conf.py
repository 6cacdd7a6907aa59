# gunicorn's settings for Trygghetskartan (deploy/systemd/trygghetskartan-web.service passes it with --config).
# With PROMETHEUS_MULTIPROC_DIR set (the unit does), /metrics sums every worker; a worker that ends is told to
# prometheus_client here so that its gauges go with it.
from prometheus_client import multiprocess


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)
