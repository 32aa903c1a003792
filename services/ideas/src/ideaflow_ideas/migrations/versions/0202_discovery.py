"""discovery

Revision ID: 0202
Revises: 0002, 0103
Create Date: 2026-11-28 20:33:30.175348
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Full-text search over ideas (see ideaflow_ideas/discovery/search.py). Triggers keep one search
# document per idea (title, problem, proposal, tags) in idea_search_documents, whatever changes an
# idea or its tags. SQLite indexes the documents with FTS5 (porter stemming, rows referred to by
# the documents' integer id, which table copies keep); PostgreSQL with a GIN index on the very
# to_tsvector expression the queries match.

# The same document on both engines: the fields and the tags, separated by newlines.
_SQLITE_REFRESH = """
    INSERT INTO idea_search_documents (idea_id, organization_id, document)
    SELECT i.id, i.organization_id, i.title || char(10) || i.problem || char(10) || i.proposal || char(10)
           || coalesce((SELECT group_concat(t.tag, ' ') FROM (SELECT tag FROM idea_tags WHERE idea_id = i.id
                        ORDER BY tag) AS t), '')
    FROM ideas AS i WHERE i.id = TARGET
    ON CONFLICT (idea_id) DO UPDATE SET document = excluded.document;"""
_POSTGRES_REFRESH = """
    CREATE FUNCTION idea_search_refresh(target uuid) RETURNS void LANGUAGE sql AS $$
    INSERT INTO idea_search_documents (idea_id, organization_id, document)
    SELECT i.id, i.organization_id, i.title || chr(10) || i.problem || chr(10) || i.proposal || chr(10)
           || coalesce((SELECT string_agg(tag, ' ' ORDER BY tag) FROM idea_tags WHERE idea_id = i.id), '')
    FROM ideas AS i WHERE i.id = target
    ON CONFLICT (idea_id) DO UPDATE SET document = excluded.document
    $$"""
_POSTGRES_TRIGGERS = (
    _POSTGRES_REFRESH,
    """CREATE FUNCTION ideas_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM idea_search_refresh(NEW.id); RETURN NULL; END $$""",
    """CREATE FUNCTION idea_tags_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN PERFORM idea_search_refresh(OLD.idea_id);
        ELSE PERFORM idea_search_refresh(NEW.idea_id);
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER ideas_search AFTER INSERT OR UPDATE OF title, problem, proposal ON ideas
    FOR EACH ROW EXECUTE FUNCTION ideas_search_sync()""",
    """CREATE TRIGGER idea_tags_search AFTER INSERT OR DELETE ON idea_tags
    FOR EACH ROW EXECUTE FUNCTION idea_tags_search_sync()""",
    "CREATE INDEX ix_idea_search_documents_text ON idea_search_documents "
    "USING gin ((to_tsvector('english'::regconfig, document)))",
    "SELECT idea_search_refresh(id) FROM ideas",
)
_SQLITE_TRIGGERS = (
    "CREATE VIRTUAL TABLE idea_search_fts USING fts5(document, content='idea_search_documents', "
    "content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER idea_search_fts_insert AFTER INSERT ON idea_search_documents BEGIN "
    "INSERT INTO idea_search_fts(rowid, document) VALUES (new.id, new.document); END",
    "CREATE TRIGGER idea_search_fts_delete AFTER DELETE ON idea_search_documents BEGIN "
    "INSERT INTO idea_search_fts(idea_search_fts, rowid, document) VALUES ('delete', old.id, old.document); END",
    "CREATE TRIGGER idea_search_fts_update AFTER UPDATE ON idea_search_documents BEGIN "
    "INSERT INTO idea_search_fts(idea_search_fts, rowid, document) VALUES ('delete', old.id, old.document); "
    "INSERT INTO idea_search_fts(rowid, document) VALUES (new.id, new.document); END",
    "CREATE TRIGGER ideas_search_insert AFTER INSERT ON ideas BEGIN"
    + _SQLITE_REFRESH.replace("TARGET", "new.id")
    + " END",
    "CREATE TRIGGER ideas_search_update AFTER UPDATE OF title, problem, proposal ON ideas BEGIN"
    + _SQLITE_REFRESH.replace("TARGET", "new.id")
    + " END",
    "CREATE TRIGGER ideas_search_delete AFTER DELETE ON ideas BEGIN "
    "DELETE FROM idea_search_documents WHERE idea_id = old.id; END",
    "CREATE TRIGGER idea_tags_search_insert AFTER INSERT ON idea_tags BEGIN"
    + _SQLITE_REFRESH.replace("TARGET", "new.idea_id")
    + " END",
    "CREATE TRIGGER idea_tags_search_delete AFTER DELETE ON idea_tags BEGIN"
    + _SQLITE_REFRESH.replace("TARGET", "old.idea_id")
    + " END",
    _SQLITE_REFRESH.replace("TARGET", "i.id"),
)
_DROP_POSTGRES = (
    "DROP TRIGGER idea_tags_search ON idea_tags",
    "DROP TRIGGER ideas_search ON ideas",
    "DROP FUNCTION idea_tags_search_sync()",
    "DROP FUNCTION ideas_search_sync()",
    "DROP FUNCTION idea_search_refresh(uuid)",
    "DROP INDEX ix_idea_search_documents_text",
)
_SQLITE_TRIGGER_NAMES = (
    "idea_tags_search_delete",
    "idea_tags_search_insert",
    "ideas_search_delete",
    "ideas_search_update",
    "ideas_search_insert",
    "idea_search_fts_update",
    "idea_search_fts_delete",
    "idea_search_fts_insert",
)
_DROP_SQLITE = (*(f"DROP TRIGGER {name}" for name in _SQLITE_TRIGGER_NAMES), "DROP TABLE idea_search_fts")


def _execute(statements: Sequence[str]) -> None:
    for statement in statements:
        op.execute(statement)


revision: str = "0202"
down_revision: str | tuple[str, ...] | None = ("0002", "0103")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "idea_search_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("idea_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas.id"], name=op.f("fk_idea_search_documents_idea_id_ideas"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_search_documents")),
        sa.UniqueConstraint("idea_id", name=op.f("uq_idea_search_documents_idea_id")),
    )
    with op.batch_alter_table("idea_search_documents", schema=None) as batch_op:
        batch_op.create_index("ix_idea_search_documents_org", ["organization_id"], unique=False)

    # ### end Alembic commands ###
    _execute(_SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else _POSTGRES_TRIGGERS)


def downgrade() -> None:
    _execute(_DROP_SQLITE if op.get_bind().dialect.name == "sqlite" else _DROP_POSTGRES)
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table("idea_search_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_idea_search_documents_org")

    op.drop_table("idea_search_documents")
    # ### end Alembic commands ###
