package config

import (
	"strings"
	"testing"
)

// checkName places test documents in testdata/, so relative TLS paths such
// as tls/ca.pem resolve to the fixtures in testdata/tls/.
const checkName = "testdata/t.yaml"

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // rendered problems, without the "testdata/t.yaml:" prefix
	}{
		// Documents with nothing wrong.
		{"empty file", "", nil},
		{"only comments", "# nothing here\n", nil},
		{"empty document", "---\n", nil},
		{"explicit null document", "~\n", nil},
		{"sections left empty", "pd:\nlog:\n", nil},
		{"https with full TLS", "pd:\n  endpoint: https://pd:2379\n  read-tls:\n    ca-file: tls/ca.pem\n    cert-file: tls/client.pem\n    key-file: tls/client-key.pem\n", nil},
		{"alias shares a TLS block", "pd:\n  endpoint: https://pd:2379\n  read-tls: &tls\n    ca-file: tls/ca.pem\n  write-tls: *tls\n", nil},
		{"YAML integer forms", "pdsim:\n  stores: 0x10\n  regions: 1_000\n  seed: -7\n", nil},
		{"integer speed", "pdsim:\n  speed: 60\n", nil},
		{"limits are inclusive", "pdsim:\n  stores: 10000\n  regions: 20000000\nmonitor:\n  interval: 1s\n", nil},
		{"regions may be zero", "pdsim:\n  regions: 0\n", nil},
		{"prometheus may be empty", "prometheus:\n  endpoint: \"\"\n", nil},
		{"prometheus with path", "prometheus:\n  endpoint: https://mon.example.com/prom\n", nil},

		// The document's shape.
		{"list at the top", "- a\n", []string{
			"1:1: want a mapping of sections (log, pd, prometheus, pdsim, monitor, db, api), got a list"}},
		{"scalar at the top", "hello\n", []string{
			`1:1: want a mapping of sections (log, pd, prometheus, pdsim, monitor, db, api), got string "hello"`}},
		{"two documents", "log:\n  level: info\n---\nlog:\n  level: debug\n", []string{
			"3: more than one YAML document; want exactly one"}},
		{"syntax error", "pd:\n  timeout: 5s\n  endpoint: [\nmonitor:\n  interval: 1s\n", []string{
			"3: syntax error: did not find expected ',' or ']'"}},
		{"section is not a mapping", "pd: http://pd:2379\n", []string{
			`1:5: pd: want a mapping of endpoint, timeout, read-tls, write-tls, got string "http://pd:2379"`}},
		{"key is not a string", "? [a]\n: 1\n", []string{
			"1:3: key must be a string, got a list"}},
		{"duplicate key", "monitor:\n  interval: 5s\n  interval: 6s\n", []string{
			"3:3: monitor.interval: duplicate key (first at line 2)"}},
		{"merge key", "base: &b\n  level: info\nlog:\n  <<: *b\n", []string{
			`1:1: base: unknown key "base" (want one of log, pd, prometheus, pdsim, monitor, db, api)`,
			"4:3: log: merge keys (<<) are not supported; write the keys out or use an alias for the whole section"}},

		// Unknown keys.
		{"near miss", "pd:\n  endpint: http://pd:2379\n", []string{
			`2:3: pd.endpint: unknown key "endpint" (did you mean "endpoint"?)`}},
		{"transposed section", "promethues:\n  timeout: 5s\n", []string{
			`1:1: promethues: unknown key "promethues" (did you mean "prometheus"?)`}},
		{"snake case", "pd:\n  read_tls:\n    ca-file: tls/ca.pem\n", []string{
			`2:3: pd.read_tls: unknown key "read_tls" (did you mean "read-tls"?)`}},
		{"key in the wrong section", "pd:\n  interval: 10s\n", []string{
			`2:3: pd.interval: unknown key "interval" here (did you mean monitor.interval?)`}},
		{"key at the wrong level", "endpoint: http://x\n", []string{
			`1:1: endpoint: unknown key "endpoint" here (did you mean pd.endpoint or prometheus.endpoint?)`}},
		{"nothing near", "pd:\n  zzz: 1\n", []string{
			`2:3: pd.zzz: unknown key "zzz" (want one of endpoint, timeout, read-tls, write-tls)`}},

		// Types.
		{"string for integer", "pdsim:\n  stores: five\n", []string{
			`2:11: pdsim.stores: want an integer, got string "five"`}},
		{"quoted integer", "pdsim:\n  regions: \"5\"\n", []string{
			`2:12: pdsim.regions: want an integer, got string "5"`}},
		{"float for integer", "pdsim:\n  stores: 2.5\n", []string{
			"2:11: pdsim.stores: want an integer, got number 2.5"}},
		{"integer too big for 64 bits", "pdsim:\n  seed: 99999999999999999999\n", []string{
			"2:9: pdsim.seed: want an integer, got number 99999999999999999999"}},
		{"list for string", "log:\n  level: [info]\n", []string{
			"2:10: log.level: want a string, got a list"}},
		{"integer for string", "pdsim:\n  listen: 2379\n", []string{
			"2:11: pdsim.listen: want a string, got integer 2379 (quote it if it is meant as text)"}},
		{"boolean for number", "pdsim:\n  speed: true\n", []string{
			"2:10: pdsim.speed: want a number, got boolean true"}},
		{"empty number", "pdsim:\n  stores:\n", []string{
			"2:10: pdsim.stores: empty value (remove the key to use the default)"}},

		// Durations.
		{"word for duration", "pd:\n  timeout: soon\n", []string{
			`2:12: pd.timeout: invalid duration "soon" (want e.g. 5s, 1m30s)`}},
		{"bare number for duration", "pd:\n  timeout: 5\n", []string{
			`2:12: pd.timeout: invalid duration "5" (want e.g. 5s, 1m30s)`}},
		{"mapping for duration", "pd:\n  timeout: {s: 5}\n", []string{
			"2:12: pd.timeout: want a duration such as 5s or 1m30s, got a mapping"}},
		{"empty duration", "prometheus:\n  timeout:\n", []string{
			"2:11: prometheus.timeout: empty value (remove the key to use the default)"}},
		{"zero timeout", "pd:\n  timeout: 0s\n", []string{
			"2:12: pd.timeout: 0s is out of range (want > 0)"}},
		{"negative timeout", "prometheus:\n  timeout: -1s\n", []string{
			"2:12: prometheus.timeout: -1s is out of range (want > 0)"}},
		{"interval too short", "monitor:\n  interval: 999ms\n", []string{
			"2:13: monitor.interval: 999ms is too short (want >= 1s)"}},

		// URLs and addresses.
		{"no scheme", "pd:\n  endpoint: 127.0.0.1:2379\n", []string{
			`2:13: pd.endpoint: invalid URL "127.0.0.1:2379": scheme must be http or https (e.g. http://127.0.0.1:2379)`}},
		{"wrong scheme", "prometheus:\n  endpoint: ftp://mon:9090\n", []string{
			`2:13: prometheus.endpoint: invalid URL "ftp://mon:9090": scheme must be http or https`}},
		{"no host", "pd:\n  endpoint: http://:2379\n", []string{
			`2:13: pd.endpoint: invalid URL "http://:2379": host is required`}},
		{"bad port", "pd:\n  endpoint: http://pd:port\n", []string{
			`2:13: pd.endpoint: invalid URL "http://pd:port": invalid port ":port" after host`}},
		{"required URL empty", "pd:\n  endpoint: \"\"\n", []string{
			"2:13: pd.endpoint: must be set, e.g. http://127.0.0.1:2379"}},
		{"listen without port", "pdsim:\n  listen: localhost\n", []string{
			`2:11: pdsim.listen: invalid listen address "localhost" (want host:port, e.g. 127.0.0.1:2379)`}},
		{"listen port too big", "pdsim:\n  listen: \":70000\"\n", []string{
			`2:11: pdsim.listen: invalid listen address ":70000" (want host:port, e.g. 127.0.0.1:2379)`}},

		// Numbers out of range.
		{"no stores", "pdsim:\n  stores: 0\n", []string{
			"2:11: pdsim.stores: 0 is out of range (want 1..10000)"}},
		{"too many stores", "pdsim:\n  stores: 10001\n", []string{
			"2:11: pdsim.stores: 10001 is out of range (want 1..10000)"}},
		{"negative regions", "pdsim:\n  regions: -1\n", []string{
			"2:12: pdsim.regions: -1 is out of range (want 0..20000000)"}},
		{"too many regions", "pdsim:\n  regions: 20000001\n", []string{
			"2:12: pdsim.regions: 20000001 is out of range (want 0..20000000)"}},
		{"zero speed", "pdsim:\n  speed: 0\n", []string{
			"2:10: pdsim.speed: 0 is out of range (want a finite number > 0)"}},
		{"infinite speed", "pdsim:\n  speed: .inf\n", []string{
			"2:10: pdsim.speed: +Inf is out of range (want a finite number > 0)"}},
		{"NaN speed", "pdsim:\n  speed: .nan\n", []string{
			"2:10: pdsim.speed: NaN is out of range (want a finite number > 0)"}},

		// Enumerations.
		{"unknown level", "log:\n  level: verbose\n", []string{
			`2:10: log.level: invalid value "verbose" (want one of debug, info, warn, error)`}},
		{"level spelled out", "log:\n  level: warning\n", []string{
			`2:10: log.level: invalid value "warning" (want one of debug, info, warn, error; did you mean "warn"?)`}},
		{"level in capitals", "log:\n  level: INFO\n", []string{
			`2:10: log.level: invalid value "INFO" (want one of debug, info, warn, error; did you mean "info"?)`}},
		{"unknown format", "log:\n  format: xml\n", []string{
			`2:11: log.format: invalid value "xml" (want one of text, json)`}},

		// Files and TLS.
		{"missing CA file", "pd:\n  endpoint: https://pd:2379\n  read-tls:\n    ca-file: tls/nope.pem\n", []string{
			`4:14: pd.read-tls.ca-file: file "testdata/tls/nope.pem" does not exist`}},
		{"directory for a file", "pd:\n  endpoint: https://pd:2379\n  write-tls:\n    ca-file: tls\n", []string{
			`4:14: pd.write-tls.ca-file: "testdata/tls" is a directory, want a file`}},
		{"missing scenario", "pdsim:\n  scenario: scenarios/none.yaml\n", []string{
			`2:13: pdsim.scenario: file "testdata/scenarios/none.yaml" does not exist`}},
		{"cert without key", "pd:\n  endpoint: https://pd:2379\n  write-tls:\n    cert-file: tls/client.pem\n", []string{
			"4:16: pd.write-tls.cert-file: cert-file is set but key-file is not; a client certificate needs both"}},
		{"key without cert", "pd:\n  endpoint: https://pd:2379\n  read-tls:\n    key-file: tls/client-key.pem\n", []string{
			"4:15: pd.read-tls.key-file: key-file is set but cert-file is not; a client certificate needs both"}},
		{"TLS with http", "pd:\n  read-tls:\n    ca-file: tls/ca.pem\n", []string{
			`3:14: pd.read-tls.ca-file: TLS is configured but pd.endpoint "http://127.0.0.1:2379" uses http; use https`}},
		{"bad cert is not also unpaired", "pd:\n  endpoint: https://pd:2379\n  read-tls:\n    cert-file: 5\n    key-file: tls/client-key.pem\n", []string{
			"4:16: pd.read-tls.cert-file: want a string, got integer 5 (quote it if it is meant as text)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range Check([]byte(tt.yaml), checkName) {
				got = append(got, strings.TrimPrefix(p.String(), checkName+":"))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Check(%q):\ngot:\n\t%s\nwant:\n\t%s", tt.yaml, strings.Join(got, "\n\t"), strings.Join(tt.want, "\n\t"))
			}
		})
	}
}
