"""SQLite keeps some state per process, not per connection: the policy allows in-memory databases, not shared ones.

'file:<name>?mode=memory&cache=shared' and 'file::memory:?cache=shared' name one database that every connection of
the process opening that name shares — in a real pluginhost, one plugin wrote a table and another read it, outside the
broker, as through the interpreter queues of issue #12 item 6. PRAGMA temp_store_directory sets sqlite3_temp_directory,
a global of the library: every connection in every interpreter then writes its temporary files there (a directory no
grant names); PRAGMA hard_heap_limit and soft_heap_limit are library globals too. SQL reaches no audit event: an
authorizer the policy installs on every connection (SQLITE_DENY for these pragmas) would refuse them with
sqlite3.DatabaseError 'not authorized'. Harmless if they escape: the database holds one row, the directory is reset at
once, the limits are set to what they are.
"""
import sqlite3

from redteam import attack, on_message  # noqa: F401


def shared(uri):
    connection = sqlite3.connect(uri, uri=True)
    connection.execute("create table if not exists drop_box(note)")
    connection.execute("insert into drop_box values ('left for another plugin')")
    return connection.execute("select count(*) from drop_box").fetchone()[0]


@attack("a named shared-cache in-memory database (file:name?mode=memory&cache=shared)", needs="")
def named_shared_cache():
    return shared("file:pluginhost-redteam?mode=memory&cache=shared")


@attack("the anonymous shared-cache in-memory database (file::memory:?cache=shared)", needs="")
def anonymous_shared_cache():
    return shared("file::memory:?cache=shared")


@attack("PRAGMA temp_store_directory (process-wide; reset at once)", refused_by="DatabaseError")
def temp_store_directory():
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("PRAGMA temp_store_directory = '/tmp'")
        return connection.execute("PRAGMA temp_store_directory").fetchall()
    finally:
        connection.execute("PRAGMA temp_store_directory = ''")


def heap_limit(pragma):
    """Sets the limit to the value it has (0: none): SQLite keeps one for the process, so a plugin setting it low makes
    every other connection of every plugin fail with 'out of memory'."""
    connection = sqlite3.connect(":memory:")
    current = connection.execute(f"PRAGMA {pragma}").fetchone()[0]
    return connection.execute(f"PRAGMA {pragma} = {current}").fetchall()


@attack("PRAGMA hard_heap_limit (one for the process; set to what it is)", refused_by="DatabaseError")
def hard_heap_limit():
    return heap_limit("hard_heap_limit")


@attack("PRAGMA soft_heap_limit (one for the process; set to what it is)", refused_by="DatabaseError")
def soft_heap_limit():
    return heap_limit("soft_heap_limit")
