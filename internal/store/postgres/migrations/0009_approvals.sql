-- Approvals of a run, one row per approver: a run that needs two distinct
-- approvers stays proposed until the second row. The primary key makes the
-- same person approving twice impossible, whatever a caller checks.
-- digest binds the approval to the exact action, parameters and the
-- preflight the approver was shown. actor sorts bytewise, as in SQLite.
CREATE TABLE run_approvals (
    run_id BIGINT           NOT NULL REFERENCES action_runs (id) ON DELETE RESTRICT,
    actor  TEXT COLLATE "C" NOT NULL CHECK (actor <> ''),
    role   TEXT             NOT NULL DEFAULT '',
    at     TIMESTAMPTZ      NOT NULL,
    reason TEXT             NOT NULL DEFAULT '',
    digest TEXT             NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, actor)
);

-- When a proposal was escalated to the next tier (notified once).
ALTER TABLE action_runs ADD COLUMN escalated_at TIMESTAMPTZ;
