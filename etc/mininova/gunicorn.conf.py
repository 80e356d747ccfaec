"""gunicorn settings for mininova-api (installed as /etc/mininova/gunicorn.conf.py).

mininova-api reads this file when it sits next to its --config-file (or, from a source
checkout, here in etc/mininova/); [api] bind_host/bind_port, workers, threads and
[DEFAULT] graceful_shutdown_timeout in mininova.conf win over the same settings below.
The file also serves plain gunicorn:

    MININOVA_CONFIG_FILE=/etc/mininova/mininova.conf \
        gunicorn -c /etc/mininova/gunicorn.conf.py mininova.api.wsgi:application
"""

# Loopback only: noauth2 makes whoever reaches the port an admin.
bind = "127.0.0.1:8774"
workers = 2
# NOTE: gthread workers, so one slow RPC call does not block a whole worker.
worker_class = "gthread"
threads = 8
# Seconds a worker may spend on one request before the master restarts it; above the
# RPC call timeout so a MessagingTimeout becomes a fault body, not a killed worker.
timeout = 90
graceful_timeout = 60
# NOTE: longer than any client's poll interval (the openstack CLI's --wait polls every
# 5 s): a server closing an idle connection just as the client reuses it makes the
# client see "connection reset by peer".
keepalive = 75
proc_name = "mininova-api"

# One access log line per request, with its request id (the X-Openstack-Request-Id
# response header) to find the same request in every other service's log.
accesslog = "-"
access_log_format = ('%(h)s "%(r)s" %(s)s %(b)s %(M)sms '
                     '%({x-openstack-request-id}o)s')
