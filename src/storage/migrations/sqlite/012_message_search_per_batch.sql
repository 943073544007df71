-- New messages go into the FTS5 index once per batch, from insert_batch (one INSERT ... SELECT
-- over the batch's ids, src/storage/sqlite/search_repository.cpp), no longer from a trigger per
-- row. FTS5 writes its pending terms out as a new segment at every savepoint (its xSavepoint),
-- and each run of a trigger that writes a virtual table is one: a segment per message, merged
-- again and again. Measured with batches of 64 (Python's sqlite3, SQLite 3.40, WAL): 3,200
-- messages/s with the trigger, 9,000-21,000/s with one statement per batch, 33,000/s without
-- the index. Edits, deletes and the messages a deleted user takes along keep their triggers:
-- they change one row at a time anyway.
DROP TRIGGER messages_fts_insert;
