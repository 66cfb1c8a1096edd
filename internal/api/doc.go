// Package api is the daemon's HTTP API: the one writer of the state store,
// whose clients are the CLI (`operator tickets ...`, the way amtool talks
// to Alertmanager), the web console and Alertmanager's webhook.
//
// Routes (JSON):
//
//	GET  /api/v1/tickets?state=open&state=diagnosed&invariant=&limit=
//	GET  /api/v1/tickets/{id}            a ticket, its timeline and its latest diagnoses
//	GET  /api/v1/tickets/{id}/diagnoses  every diagnosis round, oldest first
//	POST /api/v1/tickets/{id}/resolve    {"reason": "..."}
//	POST /api/v1/alerts/alertmanager     Alertmanager webhook, payload version 4
//	GET  /healthz
//
// An alert that reports a problem the operator already has an active
// ticket for (Options.AlertMapper says which) is recorded on that ticket
// instead of getting one of its own; see alertfold.go.
//
// Errors are {"error": "..."} with a status a client can act on.
package api
