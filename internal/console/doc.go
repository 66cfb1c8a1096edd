// Package console is the daemon's web console: server-rendered pages
// under /ui/ for reading the cluster overview (stores, region health and
// inline-SVG charts drawn on the server), tickets, the action queue and
// the audit trail, and for approving or rejecting proposed runs and
// flipping the kill switch.
//
// It is a client of the same store and executor the JSON API uses and
// authenticates with the same API tokens: a person pastes their token
// once, the console keeps only its hash in a server-side session, and
// looks the hash up again on every request so a revoked user is out at
// once. Pages are html/template (cluster text is untrusted), assets are
// embedded, and nothing needs JavaScript.
package console
