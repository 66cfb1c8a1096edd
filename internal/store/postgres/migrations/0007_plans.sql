-- Multi-step plans: the runs of one plan share plan_id (the id of its
-- first step) and run in plan_step order. A compensation run, created when
-- a later step fails, joins the plan and names the step it undoes.
ALTER TABLE action_runs ADD COLUMN plan_id BIGINT REFERENCES action_runs (id) ON DELETE RESTRICT;
ALTER TABLE action_runs ADD COLUMN plan_step INTEGER NOT NULL DEFAULT 0 CHECK (plan_step >= 0);
ALTER TABLE action_runs ADD COLUMN compensates BIGINT REFERENCES action_runs (id) ON DELETE RESTRICT;

CREATE INDEX action_runs_plan ON action_runs (plan_id, plan_step) WHERE plan_id IS NOT NULL;
