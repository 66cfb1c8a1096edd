package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/operator-dev/operator/internal/ticket"
)

// Result is one scenario's outcome.
type Result struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	File        string `json:"file"`
	Invariant   string `json:"invariant"`
	Ticket      string `json:"ticket"`
	Expected    Action `json:"expected"`
	// NotRun says why the scenario was skipped (no Prometheus); it then
	// counts neither as right nor as wrong.
	NotRun string `json:"not_run,omitempty"`
	// Error says why the scenario could not be judged (its setup failed,
	// or the ticket was never raised); it counts as wrong.
	Error       string `json:"error,omitempty"`
	TicketFound bool   `json:"ticket_found"`
	Severity    string `json:"severity,omitempty"`
	// Record is the judged provider's latest diagnosis record.
	Record *RecordView `json:"record,omitempty"`
	// Proposed is what the provider proposed, accepted or refused.
	Proposed     *Proposal `json:"proposed,omitempty"`
	Status       string    `json:"status,omitempty"`
	Cause        string    `json:"probable_cause,omitempty"`
	MissingCause []string  `json:"missing_cause_keywords,omitempty"`
	TypeRight    bool      `json:"type_right"`
	ParamsRight  bool      `json:"params_right"`
	ActionRight  bool      `json:"action_right"`
	CauseRight   bool      `json:"cause_right"`
	Correct      bool      `json:"correct"`
	WallSeconds  float64   `json:"wall_seconds"`
}

// RecordView is the part of a diagnosis record the report shows.
type RecordView struct {
	Provider   string    `json:"provider"`
	Model      string    `json:"model,omitempty"`
	Status     string    `json:"status"`
	Proposal   *Proposal `json:"accepted_proposal,omitempty"`
	Confidence float64   `json:"confidence"`
	Refusals   []string  `json:"refusals,omitempty"`
	Error      string    `json:"error,omitempty"`
	Disputed   bool      `json:"disputed,omitempty"`
}

func recordView(rec *ticket.DiagnosisRecord) *RecordView {
	v := &RecordView{Provider: rec.Provider, Model: rec.Model, Status: string(rec.Status), Error: rec.Error, Disputed: rec.Disputed}
	for _, r := range rec.Refusals {
		v.Refusals = append(v.Refusals, r.String())
	}
	if d := rec.Diagnosis; d != nil {
		v.Confidence = d.Confidence
		if p := d.Proposal; p != nil {
			v.Proposal = &Proposal{Type: p.Type, Params: p.Params}
		}
	}
	return v
}

// MarshalJSON writes "none" or {"type", "params"}.
func (a Action) MarshalJSON() ([]byte, error) {
	if a.None {
		return json.Marshal("none")
	}
	return json.Marshal(struct {
		Type   string         `json:"type"`
		Params map[string]any `json:"params"`
	}{a.Type, a.Params})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (a *Action) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if s != "none" {
			return fmt.Errorf("action %q is neither none nor an object", s)
		}
		*a = Action{None: true}
		return nil
	}
	var o struct {
		Type   string         `json:"type"`
		Params map[string]any `json:"params"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*a = Action{Type: o.Type, Params: o.Params}
	return nil
}

// Report is a whole run.
type Report struct {
	Provider    string   `json:"provider"`
	Model       string   `json:"model,omitempty"`
	Results     []Result `json:"results"`
	Totals      Totals   `json:"totals"`
	WallSeconds float64  `json:"wall_seconds"`
}

// Totals are the run's figures. Each ratio is its numerator over its
// denominator, null (JSON) or n/a (table) when the denominator is 0.
type Totals struct {
	Scenarios int `json:"scenarios"`
	Run       int `json:"run"`
	NotRun    int `json:"not_run"`
	Correct   int `json:"correct"`
	Wrong     int `json:"wrong"`
	// ActionRight over Run: the right action, "none" included.
	ActionRight    int      `json:"action_right"`
	ActionAccuracy *float64 `json:"action_accuracy"`
	// ProposedRightType over Proposed: of the scenarios where the
	// provider proposed an action, those where it was the expected type.
	Proposed          int      `json:"proposed"`
	ProposedRightType int      `json:"proposed_right_type"`
	Precision         *float64 `json:"precision"`
	// ParamsRight over ProposedRightType: right-type proposals accepted
	// with the expected parameters.
	ParamsRight      int      `json:"params_right"`
	ParamCorrectness *float64 `json:"param_correctness"`
	// ExpectedActionsRight over ExpectedActions: scenarios whose right
	// answer is an action, answered with exactly it.
	ExpectedActions      int `json:"expected_actions"`
	ExpectedActionsRight int `json:"expected_actions_right"`
	CauseRight           int `json:"cause_right"`
	// AnswersRefused: answers that failed the checks whole;
	// ProposalsRefused: valid diagnoses whose proposal was refused.
	AnswersRefused   int `json:"answers_refused"`
	ProposalsRefused int `json:"proposals_refused"`
	// Failures: the provider gave no answer (down, timeout, budget).
	Failures int `json:"failures"`
	// Errors: the scenario could not be judged (no ticket, setup failed).
	Errors int `json:"errors"`
}

func ratio(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	r := float64(n) / float64(d)
	return &r
}

func total(rs []Result) Totals {
	var t Totals
	t.Scenarios = len(rs)
	for _, r := range rs {
		if r.NotRun != "" {
			t.NotRun++
			continue
		}
		t.Run++
		if r.Correct {
			t.Correct++
		} else {
			t.Wrong++
		}
		if r.Error != "" {
			t.Errors++
		}
		if r.ActionRight {
			t.ActionRight++
		}
		if r.Proposed != nil {
			t.Proposed++
			if r.TypeRight {
				t.ProposedRightType++
			}
		}
		if r.ParamsRight {
			t.ParamsRight++
		}
		if !r.Expected.None {
			t.ExpectedActions++
			if r.ActionRight {
				t.ExpectedActionsRight++
			}
		}
		if r.CauseRight {
			t.CauseRight++
		}
		switch r.Status {
		case string(ticket.DiagnosisRefused):
			t.AnswersRefused++
		case string(ticket.DiagnosisProposalRefused):
			t.ProposalsRefused++
		case string(ticket.DiagnosisFailed):
			t.Failures++
		}
	}
	t.ActionAccuracy = ratio(t.ActionRight, t.Run)
	t.Precision = ratio(t.ProposedRightType, t.Proposed)
	t.ParamCorrectness = ratio(t.ParamsRight, t.ProposedRightType)
	return t
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes one line per scenario, then the figures.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tINVARIANT\tEXPECTED\tPROPOSED\tACTION\tPARAMS\tCAUSE")
	for _, res := range r.Results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", res.Name, res.Invariant, res.Expected, proposedText(res),
			mark(res, res.ActionRight), paramsMark(res), mark(res, res.CauseRight))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, res := range r.Results {
		switch {
		case res.Error != "":
			fmt.Fprintf(w, "%s: %s\n", res.Name, res.Error)
		case res.Record != nil && res.Record.Error != "":
			fmt.Fprintf(w, "%s: %s gave no answer: %s\n", res.Name, res.Record.Provider, res.Record.Error)
		case res.Record != nil && res.Record.Status == string(ticket.DiagnosisRefused):
			fmt.Fprintf(w, "%s: answer refused: %s\n", res.Name, strings.Join(res.Record.Refusals, "; "))
		case len(res.MissingCause) > 0:
			fmt.Fprintf(w, "%s: probable cause lacks %q: %s\n", res.Name, res.MissingCause, res.Cause)
		}
	}
	t := r.Totals
	who := r.Provider
	if r.Model != "" {
		who += " (" + r.Model + ")"
	}
	fmt.Fprintf(w, "\n%s: %d of %d scenarios right", who, t.Correct, t.Run)
	if t.NotRun > 0 {
		fmt.Fprintf(w, ", %d not run", t.NotRun)
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  action accuracy\t%s\tright action, \"none\" included, over scenarios run\n", figure(t.ActionRight, t.Run))
	fmt.Fprintf(tw, "  precision\t%s\tproposals of the expected type, over proposals made\n", figure(t.ProposedRightType, t.Proposed))
	fmt.Fprintf(tw, "  parameter correctness\t%s\taccepted with the expected parameters, over right-type proposals\n", figure(t.ParamsRight, t.ProposedRightType))
	fmt.Fprintf(tw, "  expected actions\t%s\tscenarios needing an action that got exactly it\n", figure(t.ExpectedActionsRight, t.ExpectedActions))
	fmt.Fprintf(tw, "  cause\t%s\tprobable cause names every expected keyword\n", figure(t.CauseRight, t.Run))
	fmt.Fprintf(tw, "  refusals\t%d answers, %d proposals\trefused by the checks every answer passes\n", t.AnswersRefused, t.ProposalsRefused)
	fmt.Fprintf(tw, "  provider failures\t%d\tno answer (down, timeout, budget)\n", t.Failures)
	if t.Errors > 0 {
		fmt.Fprintf(tw, "  errors\t%d\tscenarios that could not be judged\n", t.Errors)
	}
	for _, res := range r.Results {
		if res.NotRun != "" {
			fmt.Fprintf(tw, "  not run\t%s\t%s\n", res.Name, res.NotRun)
		}
	}
	fmt.Fprintf(tw, "  wall time\t%.1fs\t\n", r.WallSeconds)
	return tw.Flush()
}

// figure is "12/13  92.3%", or "0/0  n/a".
func figure(n, d int) string {
	if d == 0 {
		return fmt.Sprintf("%d/%d  n/a", n, d)
	}
	return fmt.Sprintf("%d/%d  %.1f%%", n, d, 100*float64(n)/float64(d))
}

func proposedText(r Result) string {
	switch {
	case r.NotRun != "":
		return "(not run)"
	case r.Record == nil:
		return "(no diagnosis)"
	case r.Record.Status == string(ticket.DiagnosisFailed):
		return "(provider failed)"
	case r.Record.Status == string(ticket.DiagnosisRefused):
		return "(answer refused)"
	}
	s := r.Proposed.String()
	if r.Record.Status == string(ticket.DiagnosisProposalRefused) && r.Proposed != nil {
		s += " (refused)"
	}
	return s
}

func mark(r Result, ok bool) string {
	switch {
	case r.NotRun != "":
		return "-"
	case ok:
		return "✓"
	}
	return "✗"
}

// paramsMark judges parameters only where there are some to judge: an
// expected action proposed with the right type.
func paramsMark(r Result) string {
	if r.NotRun != "" || r.Expected.None || !r.TypeRight {
		return "-"
	}
	return mark(r, r.ParamsRight)
}

// String is the table's one-line summary of a result, for progress lines.
func (r Result) String() string {
	switch {
	case r.NotRun != "":
		return fmt.Sprintf("%s: not run: %s", r.Name, r.NotRun)
	case r.Error != "":
		return fmt.Sprintf("%s: ✗ %s", r.Name, r.Error)
	case r.Correct:
		return fmt.Sprintf("%s: ✓ %s", r.Name, proposedText(r))
	}
	return fmt.Sprintf("%s: ✗ proposed %s, expected %s", r.Name, proposedText(r), r.Expected)
}
