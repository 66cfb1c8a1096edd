package api

import (
	"fmt"
	"net/http"

	"github.com/operator-dev/operator/internal/ticket"
)

// GET /api/v1/tickets/{id}/diagnoses answers every diagnosis round of a
// ticket, oldest first, as one list of records (each carries its round);
// [] when the ticket was never diagnosed, 404 when there is no such ticket.
// The ticket itself (GET /api/v1/tickets/{id}) carries only the latest
// round: what a human acts on. This is the history behind it.
func (s *Server) listDiagnoses(w http.ResponseWriter, r *http.Request) {
	id, ok := ticketID(w, r)
	if !ok {
		return
	}
	ds, err := s.tickets.Diagnoses(r.Context(), id)
	if err != nil {
		s.storeError(w, fmt.Sprintf("diagnoses of ticket %d", id), err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(ds))
}

// nonNil makes "no records" a JSON [] rather than null, so clients can
// iterate without a null check.
func nonNil(ds []ticket.DiagnosisRecord) []ticket.DiagnosisRecord {
	if ds == nil {
		return []ticket.DiagnosisRecord{}
	}
	return ds
}
