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
			"1:1: want a mapping of sections (log, pd, prometheus, pdsim, monitor, invariants, diagnosis, actions, notify, db, ha, api), got a list"}},
		{"scalar at the top", "hello\n", []string{
			`1:1: want a mapping of sections (log, pd, prometheus, pdsim, monitor, invariants, diagnosis, actions, notify, db, ha, api), got string "hello"`}},
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
			`1:1: base: unknown key "base" (want one of log, pd, prometheus, pdsim, monitor, invariants, diagnosis, actions, notify, db, ha, api)`,
			"4:3: log: merge keys (<<) are not supported; write the keys out or use an alias for the whole section"}},

		// Unknown keys.
		{"near miss", "pd:\n  endpint: http://pd:2379\n", []string{
			`2:3: pd.endpint: unknown key "endpint" (did you mean "endpoint"?)`}},
		{"transposed section", "promethues:\n  timeout: 5s\n", []string{
			`1:1: promethues: unknown key "promethues" (did you mean "prometheus"?)`}},
		{"snake case", "pd:\n  read_tls:\n    ca-file: tls/ca.pem\n", []string{
			`2:3: pd.read_tls: unknown key "read_tls" (did you mean "read-tls"?)`}},
		{"key in the wrong section", "pd:\n  interval: 10s\n", []string{
			`2:3: pd.interval: unknown key "interval" here (did you mean actions.interval or diagnosis.interval or monitor.interval?)`}},
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

		// Invariant thresholds.
		{"thresholds at their limits", "invariants:\n  low-space-margin: 0\n  leader-imbalance-ratio: 1\n  region-imbalance-min-diff: 0\n" +
			"  operator-stuck-fraction: 1\n  latency-quantile: 0.5\n  region-check-limit: 1\n  latency-window: 1ns\n" +
			"  hot-write-store-rate: 1\n  hot-read-store-rate: 1_000_000\n  hot-read-region-rate: \"1.5 GiB\"\n  latency-metric: \"job:tikv_latency:sum\"\n", nil},
		{"bad size", "invariants:\n  hot-write-region-rate: 8 megs\n", []string{
			`2:26: invariants.hot-write-region-rate: want a size such as 8MiB, got "8 megs" (units: B, KiB, MiB, GiB, TiB, or KB, MB, GB, TB for powers of 1000)`}},
		{"size in the wrong case", "invariants:\n  hot-read-store-rate: 128mib\n", []string{
			`2:24: invariants.hot-read-store-rate: want a size such as 8MiB, got "128mib" (did you mean 128MiB?)`}},
		{"size per second", "invariants:\n  hot-write-store-rate: 64MiB/s\n", []string{
			`2:25: invariants.hot-write-store-rate: want a size such as 8MiB, got "64MiB/s" (per second is implied: write 64MiB)`}},
		{"fractional size", "invariants:\n  hot-write-store-rate: 1.5\n", []string{
			`2:25: invariants.hot-write-store-rate: want a size such as 8MiB, got number 1.5`}},
		{"negative size", "invariants:\n  hot-write-store-rate: -1\n", []string{
			`2:25: invariants.hot-write-store-rate: want a size such as 8MiB, got integer -1`}},
		{"zero size", "invariants:\n  hot-write-region-rate: 0MiB\n", []string{
			"2:26: invariants.hot-write-region-rate: 0 is out of range (want > 0, e.g. 8MiB)"}},
		{"empty size", "invariants:\n  hot-write-region-rate:\n", []string{
			"2:25: invariants.hot-write-region-rate: empty value (remove the key to use the default)"}},
		{"ratio below 1", "invariants:\n  leader-imbalance-ratio: 0.9\n  region-imbalance-ratio: .nan\n", []string{
			"2:27: invariants.leader-imbalance-ratio: 0.9 is out of range (want a finite number >= 1: the busiest store's count over the mean, e.g. 1.5)",
			"3:27: invariants.region-imbalance-ratio: NaN is out of range (want a finite number >= 1: the busiest store's count over the mean, e.g. 1.5)"}},
		{"negative min diff", "invariants:\n  leader-imbalance-min-diff: -1\n", []string{
			"2:30: invariants.leader-imbalance-min-diff: -1 is out of range (want a finite number >= 0)"}},
		{"margin of 1", "invariants:\n  low-space-margin: 1\n", []string{
			"2:21: invariants.low-space-margin: 1 is out of range (want >= 0 and < 1: a share of capacity, e.g. 0.05)"}},
		{"negative margin", "invariants:\n  low-space-margin: -0.1\n", []string{
			"2:21: invariants.low-space-margin: -0.1 is out of range (want >= 0 and < 1: a share of capacity, e.g. 0.05)"}},
		{"zero fraction", "invariants:\n  operator-stuck-fraction: 0\n", []string{
			"2:28: invariants.operator-stuck-fraction: 0 is out of range (want > 0 and <= 1: a share of the operator's timeout; PD times operators out at 1)"}},
		{"fraction above 1", "invariants:\n  operator-stuck-fraction: 1.5\n", []string{
			"2:28: invariants.operator-stuck-fraction: 1.5 is out of range (want > 0 and <= 1: a share of the operator's timeout; PD times operators out at 1)"}},
		{"quantile of 1", "invariants:\n  latency-quantile: 1\n", []string{
			"2:21: invariants.latency-quantile: 1 is out of range (want > 0 and < 1: e.g. 0.99)"}},
		{"percent for quantile", "invariants:\n  latency-quantile: 99\n", []string{
			"2:21: invariants.latency-quantile: 99 is out of range (want > 0 and < 1: e.g. 0.99)"}},
		{"zero count", "invariants:\n  miss-peer-min-regions: 0\n  max-tracked-operators: -5\n", []string{
			"2:26: invariants.miss-peer-min-regions: 0 is out of range (want >= 1)",
			"3:26: invariants.max-tracked-operators: -5 is out of range (want >= 1)"}},
		{"zero threshold duration", "invariants:\n  disconnect-after: 0s\n  latency-threshold: -1ms\n", []string{
			"2:21: invariants.disconnect-after: 0s is out of range (want > 0)",
			"3:22: invariants.latency-threshold: -1ms is out of range (want > 0)"}},
		{"bare number for threshold duration", "invariants:\n  offline-stuck-after: 30\n", []string{
			`2:24: invariants.offline-stuck-after: invalid duration "30" (want e.g. 5s, 1m30s)`}},
		{"metric with a label", "invariants:\n  latency-metric: \"tikv_grpc_msg_duration_seconds{type=\\\"kv_get\\\"}\"\n", []string{
			`2:19: invariants.latency-metric: "tikv_grpc_msg_duration_seconds{type=\"kv_get\"}" is not a Prometheus metric name (want letters, digits, _ and :, not starting with a digit)`}},
		{"bucket series for metric", "invariants:\n  latency-metric: tikv_grpc_msg_duration_seconds_bucket\n", []string{
			`2:19: invariants.latency-metric: "tikv_grpc_msg_duration_seconds_bucket" is a histogram's bucket series; write the histogram's name, "tikv_grpc_msg_duration_seconds" (the query adds _bucket)`}},
		{"empty metric", "invariants:\n  latency-metric: \"\"\n", []string{
			"2:19: invariants.latency-metric: must be set, e.g. tikv_grpc_msg_duration_seconds"}},
		{"threshold typo", "invariants:\n  disconect-after: 30s\n", []string{
			`2:3: invariants.disconect-after: unknown key "disconect-after" (did you mean "disconnect-after"?)`}},
		{"threshold in snake case", "invariants:\n  max_hot_regions: 5\n", []string{
			`2:3: invariants.max_hot_regions: unknown key "max_hot_regions" (did you mean "max-hot-regions"?)`}},
		{"threshold in the wrong section", "monitor:\n  disconnect-after: 30s\n", []string{
			`2:3: monitor.disconnect-after: unknown key "disconnect-after" here (did you mean invariants.disconnect-after?)`}},
		{"section name typo", "invariant:\n  disconnect-after: 30s\n", []string{
			`1:1: invariant: unknown key "invariant" (did you mean "invariants"?)`}},
		{"invariants is not a mapping", "invariants: 5\n", []string{
			"1:13: invariants: want a mapping of disconnect-after, store-recovery-grace, offline-stuck-after, low-space-margin, " +
				"region-check-limit, miss-peer-min-regions, down-peer-min-regions, pending-peer-min-regions, extra-peer-min-regions, " +
				"pending-peer-hold-down, extra-peer-hold-down, " +
				"oversized-min-regions, leader-imbalance-ratio, leader-imbalance-min-diff, region-imbalance-ratio, " +
				"region-imbalance-min-diff, hot-write-region-rate, hot-read-region-rate, hot-write-store-rate, hot-read-store-rate, " +
				"max-hot-regions, operator-stuck-fraction, operator-stuck-after, max-tracked-operators, max-stuck-operators, " +
				"latency-metric, latency-quantile, latency-window, latency-threshold, got integer 5"}},

		// Diagnosis.
		{"anthropic with the defaults", "diagnosis:\n  provider: anthropic\n", nil},
		{"openai on a local server", "diagnosis:\n  provider: openai\n  rediagnose-after: 0s\n  max-cost-per-ticket: 0\n  max-retries: 0\n" +
			"  openai:\n    base-url: http://localhost:11434/v1\n    model: qwen2.5:14b\n    api-key-env: \"\"\n", []string{
			"9:18: diagnosis.openai.api-key-env: must be set: the name of the environment variable that holds the API key, e.g. OPENAI_API_KEY"}},
		{"lower-case variable name", "diagnosis:\n  anthropic:\n    api-key-env: my_llm_key\n", nil},
		{"provider near miss", "diagnosis:\n  provider: antropic\n", []string{
			`2:13: diagnosis.provider: invalid value "antropic" (want one of rules, anthropic, openai; did you mean "anthropic"?)`}},
		{"provider in capitals", "diagnosis:\n  provider: OpenAI\n", []string{
			`2:13: diagnosis.provider: invalid value "OpenAI" (want one of rules, anthropic, openai; did you mean "openai"?)`}},
		{"provider by model family", "diagnosis:\n  provider: claude\n", []string{
			`2:13: diagnosis.provider: invalid value "claude" (want one of rules, anthropic, openai; did you mean "anthropic"?)`}},
		{"provider by local server", "diagnosis:\n  provider: ollama\n", []string{
			`2:13: diagnosis.provider: invalid value "ollama" (want one of rules, anthropic, openai; ollama serves the OpenAI API: use "openai" and point diagnosis.openai.base-url at it)`}},
		{"provider none", "diagnosis:\n  provider: none\n", []string{
			`2:13: diagnosis.provider: invalid value "none" (want one of rules, anthropic, openai; "rules" means no model; the offline rules provider always runs)`}},
		{"provider unknown", "diagnosis:\n  provider: gemini\n", []string{
			`2:13: diagnosis.provider: invalid value "gemini" (want one of rules, anthropic, openai)`}},
		{"openai without model", "diagnosis:\n  provider: openai\n", []string{
			"2:13: diagnosis.provider: openai needs diagnosis.openai.model, which has no default: " +
				"name a model the server serves (GET <base-url>/models lists them), e.g. gpt-4.1, or qwen2.5:14b on Ollama"}},
		{"openai with an empty model", "diagnosis:\n  provider: openai\n  openai:\n    model: \"\"\n", []string{
			"4:12: diagnosis.openai.model: must be set when diagnosis.provider is openai: " +
				"name a model the server serves (GET <base-url>/models lists them), e.g. gpt-4.1, or qwen2.5:14b on Ollama"}},
		{"model only matters to its provider", "diagnosis:\n  provider: anthropic\n  openai:\n    model: \"\"\n", nil},
		{"bad provider is not also without model", "diagnosis:\n  provider: [openai]\n", []string{
			"2:13: diagnosis.provider: want a string, got a list"}},
		{"API key for api-key-env", "diagnosis:\n  anthropic:\n    api-key-env: sk-ant-api03-AbCdEf0123456789\n", []string{
			"3:18: diagnosis.anthropic.api-key-env: looks like an API key, not the name of an environment variable; a key never goes in the config: " +
				"put it in the environment (ANTHROPIC_API_KEY=<key>), name that variable here (ANTHROPIC_API_KEY), and revoke the key if this config was shared"}},
		{"key without a known prefix", "diagnosis:\n  openai:\n    api-key-env: gsk_8fJk2LmQ9xRt4VbN7pWz3YcH6dS1aE5g\n", []string{
			"3:18: diagnosis.openai.api-key-env: looks like an API key, not the name of an environment variable; a key never goes in the config: " +
				"put it in the environment (OPENAI_API_KEY=<key>), name that variable here (OPENAI_API_KEY), and revoke the key if this config was shared"}},
		{"variable with a dollar", "diagnosis:\n  anthropic:\n    api-key-env: $ANTHROPIC_API_KEY\n", []string{
			"3:18: diagnosis.anthropic.api-key-env: want the variable's name without $ or braces (e.g. ANTHROPIC_API_KEY, not $ANTHROPIC_API_KEY)"}},
		{"not a variable name", "diagnosis:\n  openai:\n    api-key-env: 1ST-KEY\n", []string{
			"3:18: diagnosis.openai.api-key-env: not an environment variable name (want letters, digits and _, not starting with a digit, e.g. OPENAI_API_KEY)"}},
		{"negative cost", "diagnosis:\n  max-cost-per-ticket: -0.5\n", []string{
			"2:24: diagnosis.max-cost-per-ticket: -0.5 is out of range (want a finite number >= 0: US dollars, 0 for no cost limit)"}},
		{"NaN cost", "diagnosis:\n  max-cost-per-ticket: .nan\n", []string{
			"2:24: diagnosis.max-cost-per-ticket: NaN is out of range (want a finite number >= 0: US dollars, 0 for no cost limit)"}},
		{"cost with a currency", "diagnosis:\n  max-cost-per-ticket: $1\n", []string{
			`2:24: diagnosis.max-cost-per-ticket: want a number, got string "$1"`}},
		{"retries out of range", "diagnosis:\n  max-retries: 11\n", []string{
			"2:16: diagnosis.max-retries: 11 is out of range (want 0..10)"}},
		{"no token budget", "diagnosis:\n  max-tokens-per-ticket: 0\n", []string{
			"2:26: diagnosis.max-tokens-per-ticket: 0 is out of range (want >= 1)"}},
		{"diagnosis durations", "diagnosis:\n  interval: 0s\n  rediagnose-after: -1s\n  timeout: 0s\n", []string{
			"2:13: diagnosis.interval: 0s is out of range (want > 0)",
			"3:21: diagnosis.rediagnose-after: -1s is too short (want >= 0s)",
			"4:12: diagnosis.timeout: 0s is out of range (want > 0)"}},
		{"base URL without scheme", "diagnosis:\n  openai:\n    base-url: localhost:11434/v1\n", []string{
			`3:15: diagnosis.openai.base-url: invalid URL "localhost:11434/v1": scheme must be http or https (e.g. http://localhost:11434/v1)`}},
		{"empty openai base URL", "diagnosis:\n  openai:\n    base-url: \"\"\n", []string{
			"3:15: diagnosis.openai.base-url: must be set, e.g. https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama)"}},
		{"base URL password masked", "diagnosis:\n  anthropic:\n    base-url: ftp://gw:hunter2@llm-gw\n", []string{
			`3:15: diagnosis.anthropic.base-url: invalid URL "ftp://gw:xxxxx@llm-gw": scheme must be http or https`}},
		{"unparsable base URL with user info", "diagnosis:\n  anthropic:\n    base-url: http://gw:hunter2@llm-gw:port\n", []string{
			"3:15: diagnosis.anthropic.base-url: invalid URL (not shown, as its user info may hold a credential): want http:// or https:// and a host"}},
		{"empty anthropic model", "diagnosis:\n  anthropic:\n    model: \"\"\n", []string{
			"3:12: diagnosis.anthropic.model: must be set, e.g. claude-sonnet-4-6"}},
		{"model with a space", "diagnosis:\n  openai:\n    model: \"llama 3\"\n", []string{
			`3:12: diagnosis.openai.model: model id "llama 3" contains white space`}},
		{"api-key instead of api-key-env", "diagnosis:\n  anthropic:\n    api-key: x\n", []string{
			`3:5: diagnosis.anthropic.api-key: unknown key "api-key" (did you mean "api-key-env"?)`}},
		{"model at the diagnosis level", "diagnosis:\n  model: gpt-4.1\n", []string{
			`2:3: diagnosis.model: unknown key "model" here (did you mean diagnosis.anthropic.model or diagnosis.openai.model?)`}},
		{"provider in the wrong section", "monitor:\n  provider: anthropic\n", []string{
			`2:3: monitor.provider: unknown key "provider" here (did you mean diagnosis.provider?)`}},
		{"diagnosis is not a mapping", "diagnosis: anthropic\n", []string{
			"1:12: diagnosis: want a mapping of provider, interval, rediagnose-after, timeout, max-retries, max-tokens-per-ticket, " +
				`max-cost-per-ticket, anthropic, openai, got string "anthropic"`}},
		{"provider section is not a mapping", "diagnosis:\n  openai: http://localhost:11434/v1\n", []string{
			`2:11: diagnosis.openai: want a mapping of base-url, model, api-key-env, input-price-per-mtok, output-price-per-mtok, got string "http://localhost:11434/v1"`}},
		{"anthropic section is not a mapping", "diagnosis:\n  anthropic: claude-opus-4-1\n", []string{
			`2:14: diagnosis.anthropic: want a mapping of model, base-url, api-key-env, input-price-per-mtok, output-price-per-mtok, got string "claude-opus-4-1"`}},

		// Token prices.
		{"anthropic model with its prices", "diagnosis:\n  provider: anthropic\n  anthropic:\n    model: claude-opus-4-1\n" +
			"    input-price-per-mtok: 15\n    output-price-per-mtok: 75\n", nil},
		{"openai prices", "diagnosis:\n  openai:\n    input-price-per-mtok: 0.4\n    output-price-per-mtok: 1.6\n", nil},
		{"prices both zero", "diagnosis:\n  openai:\n    input-price-per-mtok: 0\n    output-price-per-mtok: 0.0\n", nil},
		{"negative price", "diagnosis:\n  anthropic:\n    input-price-per-mtok: -3\n", []string{
			"3:27: diagnosis.anthropic.input-price-per-mtok: -3 is out of range (want a finite number >= 0: US dollars per million tokens)"}},
		{"infinite price", "diagnosis:\n  openai:\n    output-price-per-mtok: .inf\n", []string{
			"3:28: diagnosis.openai.output-price-per-mtok: +Inf is out of range (want a finite number >= 0: US dollars per million tokens)"}},
		{"price with a currency", "diagnosis:\n  openai:\n    input-price-per-mtok: $2\n", []string{
			`3:27: diagnosis.openai.input-price-per-mtok: want a number, got string "$2"`}},
		{"anthropic input price alone", "diagnosis:\n  anthropic:\n    model: claude-opus-4-1\n    input-price-per-mtok: 15\n", []string{
			"4:27: diagnosis.anthropic.input-price-per-mtok: input-price-per-mtok is set but output-price-per-mtok is not: " +
				"set both prices or neither (neither: the list prices of the provider's default model)"}},
		{"openai output price alone", "diagnosis:\n  openai:\n    input-price-per-mtok: 0\n    output-price-per-mtok: 2\n", []string{
			"4:28: diagnosis.openai.output-price-per-mtok: output-price-per-mtok is set but input-price-per-mtok is not: " +
				"set both prices or neither (neither: free, e.g. a local model)"}},
		{"bad price is not also alone", "diagnosis:\n  openai:\n    input-price-per-mtok: -1\n    output-price-per-mtok: 2\n", []string{
			"3:27: diagnosis.openai.input-price-per-mtok: -1 is out of range (want a finite number >= 0: US dollars per million tokens)"}},

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
