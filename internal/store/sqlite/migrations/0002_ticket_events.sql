-- The timeline: what happened to a ticket, in order. Append-only.
CREATE TABLE ticket_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE RESTRICT,
    at        TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    message   TEXT    NOT NULL DEFAULT '',
    data      TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(data))
) STRICT;

CREATE INDEX ticket_events_timeline ON ticket_events (ticket_id, at, id);

-- Tickets written before the timeline existed get the events their state
-- implies, marked as backfilled, so every ticket's timeline starts with
-- "opened" and a resolved ticket's shows when it was resolved.
INSERT INTO ticket_events (ticket_id, at, kind, message, data)
SELECT id, first_seen, 'opened', summary, json_object('backfilled', json('true'))
FROM tickets ORDER BY id;

INSERT INTO ticket_events (ticket_id, at, kind, message, data)
SELECT id, resolved_at, 'resolved', 'resolved before the timeline was recorded', json_object('backfilled', json('true'))
FROM tickets WHERE resolved_at IS NOT NULL ORDER BY id;
