// Package notify tells people what the operator is doing: tiered
// notifications to Slack incoming webhooks and to a generic JSON webhook,
// with retries and a dead-letter record for what could not be delivered.
//
// Tiers decide where a message goes:
//
//   - Routine: nothing is sent. The message is logged and kept for the
//     daily digest (Notifier.Digest). Routine successes (an action that
//     finished and verified as planned) belong here: a channel that speaks
//     on every success is a channel people mute.
//   - Notable: sent to the notable route (one channel, typically the
//     team's).
//   - Critical: sent to every configured channel.
//
// The tier is the caller's decision. Failures, unexpected outcomes,
// escalations and the kill switch must be marked Critical by the caller;
// this package does not look inside a message to promote it.
//
// Delivery is at least once per channel: a request that timed out may have
// arrived, and is retried anyway, because a duplicate alert is cheaper than
// a lost one. A message that still cannot be delivered goes to the
// DeadLetter sink (the daemon appends it to the audit log), so nothing is
// dropped silently.
//
// Webhook URLs are secrets (a Slack incoming-webhook URL is its own
// credential): channels are known by a name ("slack webhook #1") in errors,
// logs and dead letters, and their URL never leaves the channel value.
package notify
