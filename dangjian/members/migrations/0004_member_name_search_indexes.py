"""Indexes for the roster's name search over a subtree, on PostgreSQL only (issue 18).

`name__icontains` is `UPPER(name) LIKE UPPER('%term%')` on PostgreSQL: no b-tree can serve it, so a
rare name read every member of the subtree (11.8 s at a province's root). Three GIN indexes:

- `member_name_chars_idx`: the characters of `UPPER(name)` (`string_to_array(…, NULL)`), for a
  1-character term (a surname);
- `member_name_bigrams_idx`: the 2-character pieces of `UPPER(name)` (`member_name_bigrams`), for
  a 2-character term (a given name, a whole two-character name) and, with the LIKE, for longer ones
  (`members.selectors.name_contains` asks `… @> pieces of UPPER(term)`);
- `member_name_trgm_idx`: `pg_trgm` on `UPPER(name)`, which serves a plain `icontains` of 3
  characters or more (the other member-name searches: post and role candidates).

For 1–2 characters the containments select exactly the rows the LIKE selects. SQLite has no such
indexes; there the migration does nothing (the embedded default serves one city at most). The
indexes are kept out of the model state (`Member.Meta.indexes` cannot hold PostgreSQL-only
expressions while the suite also runs on SQLite) and built CONCURRENTLY, so that a large roster
stays writable while they are built.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

BIGRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION member_name_bigrams(text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT ARRAY(SELECT substr($1, i, 2) FROM generate_series(1, length($1) - 1) AS i) $$
"""
INDEXES = {
    "member_name_trgm_idx": "USING gin (UPPER(name) gin_trgm_ops)",
    "member_name_chars_idx": "USING gin (string_to_array(UPPER(name), NULL))",
    "member_name_bigrams_idx": "USING gin (member_name_bigrams(UPPER(name)))",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(BIGRAMS_FUNCTION)
    for name, how in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON members_member {how}")
    # The planner knows how selective an expression is only once ANALYZE has sampled it: without
    # statistics it guesses, and may read a whole subtree in page order, computing the pieces of
    # every name on the way (seconds at a city's root).
    schema_editor.execute("ANALYZE members_member")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    schema_editor.execute("DROP FUNCTION IF EXISTS member_name_bigrams(text)")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("members", "0003_importjob"),
    ]

    operations = [
        TrigramExtension(),  # CREATE EXTENSION IF NOT EXISTS pg_trgm (a trusted extension); no-op elsewhere
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
