"""Run by test_superset.py with the BI environment's Python (.venv-bi, `make venv-bi`): set up
a new Superset and serve it on the loopback interface until told to stop.

    .venv-bi/bin/python tests/bi/superset_server.py READY_FILE

SUPERSET_CONFIG_PATH (a config with SECRET_KEY and the metadata database) and SUPERSET_HOME
come from the environment, the admin's name and password from CSC_BI_ADMIN and
CSC_BI_PASSWORD. In one process, to pay for Superset's start-up once (about 4 s of CPU each
time its app is created), it does what these commands do, then serves:

    superset db upgrade              # flask_migrate.upgrade(): the metadata schema
    superset init                    # permissions and roles
    superset fab create-admin ...    # the admin user
    superset run -h 127.0.0.1 -p 0   # werkzeug's server, threaded

No examples are loaded. When the server listens it writes READY_FILE (JSON: port, the
Superset and DuckDB versions, CPU seconds of each set-up step). It stops on SIGTERM, or
when its standard input closes (the test process is gone), so it never outlives the test.
This file imports no `csc` code: the BI environment does not have the project installed.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import sys
import threading
from pathlib import Path


def _cpu_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def main(ready_file: Path) -> None:
    from importlib.metadata import version

    import duckdb
    from flask_migrate import upgrade
    from superset.app import create_app
    from werkzeug.serving import make_server

    cpu: dict[str, float] = {}  # step -> CPU seconds it took

    def done(step: str) -> None:
        cpu[step] = _cpu_seconds() - sum(cpu.values())

    done("python and imports")
    app = create_app()
    done("create app")
    with app.app_context():
        from superset import appbuilder, security_manager
        from superset.extensions import db

        upgrade()
        # Alembic's logging set-up disables every logger that existed before it: turn them
        # on again, so that the server's errors reach its log.
        for logger in logging.Logger.manager.loggerDict.values():
            if isinstance(logger, logging.Logger):
                logger.disabled = False
        done("db upgrade")
        appbuilder.add_permissions(update_perms=True)
        security_manager.sync_role_definitions()
        done("init")
        admin = security_manager.add_user(
            os.environ["CSC_BI_ADMIN"], "BI", "Test", "bi-test@example.invalid",
            security_manager.find_role("Admin"), password=os.environ["CSC_BI_PASSWORD"])
        if not admin:
            raise SystemExit("could not create the admin user")
        db.session.commit()
        done("create admin")

    server = make_server("127.0.0.1", 0, app, threaded=True)

    def stop_when_stdin_closes() -> None:
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
    partial = ready_file.with_name(ready_file.name + ".part")
    partial.write_text(json.dumps({
        "port": server.server_port,
        "superset": version("apache-superset"), "duckdb": duckdb.__version__,
        "cpu_seconds": {step: round(seconds, 1) for step, seconds in cpu.items()},
    }))
    partial.rename(ready_file)
    server.serve_forever()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
