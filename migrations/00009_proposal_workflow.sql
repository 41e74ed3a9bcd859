-- +goose Up
-- The proposal workflow, held by the database as the district scope is (geo/edit states the same
-- rule for clear answers; a bug there, or a district session with SQL, cannot get past this):
--
--   new proposals are drafts;
--   draft, returned --submit (the proposal's district, the department)--> submitted
--   submitted --approve | reject | return (the department, administrators)--> approved | rejected | returned
--   approved --withdraw the approval (the department, administrators)--> submitted, without its decision
--   an open expansion whose cluster is deleted is closed as rejected (by the delete's trigger)
--
-- and the review's record (reviewer, decision number and date, review comment) is written only by
-- a review. It binds every workspace write (the editor role); the owner (migrations, imports,
-- administrators on the server) is not bound.
-- +goose StatementBegin
CREATE FUNCTION proposals_workflow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  role text := workspace_setting('role');
  reviewer boolean := role IN ('department', 'admin');
  reviewed boolean;
BEGIN
  IF current_user <> 'clustermap_editor' THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.status <> 'draft' OR NEW.reviewed_by IS NOT NULL OR NEW.decision_number IS NOT NULL
       OR NEW.decision_date IS NOT NULL OR NEW.submitted_at IS NOT NULL THEN
      RAISE EXCEPTION 'a new proposal is a draft' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;
  reviewed := (NEW.reviewed_by, NEW.reviewed_at, NEW.review_comment, NEW.decision_number, NEW.decision_date)
              IS DISTINCT FROM (OLD.reviewed_by, OLD.reviewed_at, OLD.review_comment, OLD.decision_number, OLD.decision_date);
  IF NEW.status = OLD.status THEN
    IF reviewed OR OLD.status NOT IN ('draft', 'returned') THEN
      RAISE EXCEPTION 'a % proposal cannot be changed', OLD.status USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.status = 'submitted' AND OLD.status IN ('draft', 'returned') AND NOT reviewed THEN
    RETURN NEW; -- row-level security says whose
  END IF;
  IF NEW.status IN ('approved', 'rejected', 'returned') AND OLD.status = 'submitted' AND reviewer THEN
    RETURN NEW;
  END IF;
  IF NEW.status = 'submitted' AND OLD.status = 'approved' AND reviewer
     AND NEW.decision_number IS NULL AND NEW.decision_date IS NULL THEN
    RETURN NEW; -- an approval withdrawn (geo/edit WithdrawApproval)
  END IF;
  IF NEW.status = 'rejected' AND OLD.status IN ('draft', 'returned', 'submitted') AND pg_trigger_depth() > 1
     AND NEW.review_comment = 'the cluster this expansion named was deleted' THEN
    RETURN NEW; -- closed by close_proposals_of_deleted_cluster
  END IF;
  RAISE EXCEPTION 'a % proposal cannot become % by a % user', OLD.status, NEW.status, coalesce(role, 'anonymous')
    USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd
CREATE TRIGGER proposals_workflow BEFORE INSERT OR UPDATE ON proposals
  FOR EACH ROW EXECUTE FUNCTION proposals_workflow();

-- +goose Down
DROP TRIGGER IF EXISTS proposals_workflow ON proposals;
DROP FUNCTION IF EXISTS proposals_workflow();
