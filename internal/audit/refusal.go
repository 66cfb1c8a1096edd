package audit

import "time"

// KindRefused is a request the API or the console refused (401/403): who,
// what, why. The credential presented is never part of it.
const KindRefused = "auth-refused"

// Refused is the record of one refused request. ref says where it came in
// ("api", "console"); actor is "anonymous" when nobody was identified.
func Refused(at time.Time, actor, ref, method, path string, status int, reason, remote string) Record {
	if actor == "" {
		actor = "anonymous"
	}
	data := map[string]any{"method": method, "path": path, "status": status, "reason": reason}
	if remote != "" {
		data["remote"] = remote
	}
	return Record{At: at, Actor: actor, Kind: KindRefused, Subject: method + " " + path, Ref: ref, Data: data}
}
