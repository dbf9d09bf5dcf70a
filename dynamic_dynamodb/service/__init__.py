"""Running as a service: one process that cycles until it is stopped.

    wiring.py      builds and runs one service: logging, edges, Scheduler, signals,
                   hooks around each cycle (heartbeat, reload, readiness, metrics)
    daemon.py      --daemon start/stop/foreground: pid files, python-daemon, the start pipe
    pidlock.py     flock'ed pid files
    systemd.py     sd_notify (READY, STATUS, WATCHDOG, RELOADING, STOPPING)
    prometheus.py  --metrics-port

Nothing here prints or picks exit codes: cli.py does.
"""
