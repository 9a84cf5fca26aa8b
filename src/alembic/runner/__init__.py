"""driftbot's Alembic runner: one long-lived process per analysis, driven by JSON lines
over stdin/stdout (protocol.py). Started as `python -u runner/__main__.py`.

    request:  {"id": 1, "command": "upgrade", ...arguments}
    response: {"id": 1, "ok": true, "result": {...}}
              {"id": 1, "ok": false, "error": {"message": "...", "traceback": "..."}}

Commands:
    scan     read a versions folder statically (ast: no revision file is executed)
    upgrade  apply a versions folder to a database, driving Alembic without env.py
    models   import model files and create their SQLAlchemy metadata in a database
    shutdown

It never runs the project's own env.py: real ones import app settings and async
engines. It drives Alembic itself (docs/ARCHITECTURE.md) and redirects every engine a migration
creates to the throwaway database it was given.

Importing any module of this package only defines things: the process is set up by
protocol.main().
"""
