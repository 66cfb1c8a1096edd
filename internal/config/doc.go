// Package config holds the operator's configuration: its shape, its defaults,
// and how it is assembled from a YAML file, OPERATOR_* environment variables
// and command-line flags, in rising precedence (flags > env > file > defaults).
//
// One table of fields (fields.go) drives all three sources, so a key, its
// environment variable (pd.read-tls.ca-file -> OPERATOR_PD_READ_TLS_CA_FILE)
// and its flag (--pd-read-tls-ca-file) can never drift apart. The invariant
// thresholds (invariants.*) have no flag: they come from the file or the
// environment (invariants.disconnect-after -> OPERATOR_INVARIANTS_DISCONNECT_AFTER).
// Nor do the diagnosis.* keys, but for --diagnosis-provider and
// --diagnosis-interval.
//
// No key holds a secret. A model provider's API key stays in the
// environment variable its api-key-env key names; Config.DiagnosisAPIKey
// reads it for the chosen provider.
//
// Check validates a file on its own and reports every problem with its line
// and column; Load reports the same problems and fails on any of them.
//
// Relative TLS and scenario paths in a file are resolved against the file's
// directory, as Prometheus and Alertmanager do, so a config directory can be
// moved as a whole. Paths from env and flags are relative to the working
// directory, like any other command-line path. db.path is left as written: it
// names a file to create, not one shipped beside the config.
package config
