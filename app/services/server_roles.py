"""`ic db grant --to ROLE`: the everyday role of a server database (issue #15).

The owner of the database (the role whose URL created and upgrades it) gives the role the
consultants' program connects with what the work needs and nothing more: reading and
changing rows (SELECT, INSERT, UPDATE, DELETE on the tables; the sequences for new ids and
for moving them after a numbered bulk insert), no CREATE on the schema and no ownership, so
it cannot create, alter or drop tables. The audit journal is append-only for it (INSERT and
SELECT only) and the schema version (``alembic_version``) read-only. Default privileges
give the same rights on the tables a later migration (run with the owner's URL) creates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import inspect, make_url

from app.errors import UserError
from db.session import Database, translated_server_errors

_ROLE = re.compile(r"^[a-z_][a-z0-9_$]{0,62}$")


@dataclass(frozen=True)
class Granted:
    role: str
    database: str  # the URL without a password
    host: str
    dbname: str
    tables: int
    sequences: int


def grant_everyday_role(db: Database, role: str) -> Granted:
    """Run by the owner: ``role`` may work with the data of ``db`` but not change its schema."""
    from app.domain.enums import UserRole
    from app.services import access

    if not db.on_server or db.url is None:
        raise UserError("ic db grant относится к базе на сервере PostgreSQL.")
    if not _ROLE.match(role):
        raise UserError(
            f"--to: имя роли сервера «{role}»: латинские строчные буквы, цифры и _, "
            "например ic_app."
        )
    access.require(db, UserRole.SUPERVISOR)
    with translated_server_errors(db.url), db.engine.connect() as conn, conn.begin():
        me, owner, dbname = conn.exec_driver_sql(
            "SELECT current_user, pg_get_userbyid(d.datdba), current_database() "
            "FROM pg_database d WHERE d.datname = current_database()"
        ).one()
        if not conn.exec_driver_sql(
            "SELECT 1 FROM pg_roles WHERE rolname = %(r)s", {"r": role}
        ).first():
            raise UserError(
                f"Роли «{role}» на сервере нет. Администратор создаёт её так: "
                f"CREATE ROLE {role} LOGIN PASSWORD '…'; затем повторите ic db grant."
            )
        if role in (me, owner):
            raise UserError(
                f"«{role}» — владелец базы или учётная запись, с которой выполняется "
                "команда: рабочей записи нужна отдельная роль (например ic_app)."
            )
        if not conn.exec_driver_sql(
            "SELECT has_schema_privilege(current_schema(), 'CREATE')"
        ).scalar():
            raise UserError(
                "ic db grant выполняет владелец базы: укажите в --db адрес с его именем."
            )
        names = [t for t in inspect(conn).get_table_names()]
        sequences = int(
            conn.exec_driver_sql(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'S' AND n.nspname = current_schema()"
            ).scalar()
            or 0
        )
        for statement in grant_statements(role, dbname):
            conn.exec_driver_sql(statement)
    url = make_url(db.url)
    port = f":{url.port}" if url.port else ""
    return Granted(role, db.url, f"{url.host}{port}", dbname, len(names), sequences)


def grant_statements(role: str, dbname: str) -> list[str]:
    """What the owner runs to give ``role`` the everyday rights in database ``dbname``."""
    r = f'"{role}"'
    schema = "public"
    return [
        f'GRANT CONNECT ON DATABASE "{dbname}" TO {r}',
        # Before PostgreSQL 15 every role may create tables in «public»: not here.
        f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC",
        f"REVOKE CREATE ON SCHEMA {schema} FROM {r}",
        f"GRANT USAGE ON SCHEMA {schema} TO {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {r}",
        # UPDATE: setval after a bulk insert that numbers its own ids (db/dialect.py).
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {r}",
        f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {r}",
        f"REVOKE UPDATE, DELETE ON audit_event FROM {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {r}",
    ]
