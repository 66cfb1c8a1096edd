package pd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// strictTypes maps the endpoints whose answers the client decodes to the Go
// type that must hold every field PD sends.
var strictTypes = []struct {
	re  *regexp.Regexp
	typ reflect.Type
}{
	{regexp.MustCompile(`^/pd/api/v1/(stores|stores/check|labels/stores)$`), reflect.TypeFor[StoresInfo]()},
	{regexp.MustCompile(`^/pd/api/v1/store/\d+$`), reflect.TypeFor[StoreInfo]()},
	{regexp.MustCompile(`^/pd/api/v1/stores/progress$`), reflect.TypeFor[StoreProgress]()},
	{regexp.MustCompile(`^/pd/api/v1/region/(id|key)/[^/]+$`), reflect.TypeFor[RegionInfo]()},
	{regexp.MustCompile(`^/pd/api/v1/regions(/key|/count|/store/\d+|/sibling/\d+|/check/[a-z]+-(peer|region)|/(writeflow|readflow|writequery|readquery|confver|version|size|keys|cpu))?$`), reflect.TypeFor[RegionsInfo]()},
	{regexp.MustCompile(`^/pd/api/v1/stats/region$`), reflect.TypeFor[RegionStats]()},
	{regexp.MustCompile(`^/pd/api/v1/hotspot/regions/(write|read)$`), reflect.TypeFor[StoreHotPeersInfos]()},
	{regexp.MustCompile(`^/pd/api/v1/hotspot/stores$`), reflect.TypeFor[HotStoreStats]()},
	{regexp.MustCompile(`^/pd/api/v1/cluster$`), reflect.TypeFor[Cluster]()},
	{regexp.MustCompile(`^/pd/api/v1/cluster/status$`), reflect.TypeFor[ClusterStatus]()},
	{regexp.MustCompile(`^/pd(/api/v1)?/health$`), reflect.TypeFor[[]MemberHealth]()},
	{regexp.MustCompile(`^/pd/api/v1/members$`), reflect.TypeFor[Members]()},
	{regexp.MustCompile(`^/pd/api/v1/leader$`), reflect.TypeFor[Member]()},
	{regexp.MustCompile(`^/pd/api/v1/version$`), reflect.TypeFor[Version]()},
	{regexp.MustCompile(`^/pd/api/v1/config/schedule$`), reflect.TypeFor[ScheduleConfig]()},
	{regexp.MustCompile(`^/pd/api/v1/config/replicate$`), reflect.TypeFor[ReplicationConfig]()},
	{regexp.MustCompile(`^/pd/api/v1/operators\?object$`), reflect.TypeFor[[]OperatorObject]()},
	{regexp.MustCompile(`^/pd/api/v1/operators(/records|/\d+)?(\?kind=\w+)?$`), reflect.TypeFor[json.RawMessage]()}, // strings: see the parser tests
	{regexp.MustCompile(`^/pd/api/v1/schedulers\?status=paused&timestamp=true$`), reflect.TypeFor[[]PausedScheduler]()},
	{regexp.MustCompile(`^/pd/api/v1/checker/\w+$`), reflect.TypeFor[CheckerStatus]()},
	{regexp.MustCompile(`^/pd/api/v2/maintenance$`), reflect.TypeFor[[]MaintenanceTask]()},
	{regexp.MustCompile(`^/pd/api/v2/maintenance/[\w-]+$`), reflect.TypeFor[MaintenanceTask]()},
}

// TestFixtureFieldsStrict decodes every 200 GET fixture of the endpoints
// above into its type and fails when PD sent a JSON field the type lacks,
// so a field PD adds shows up here rather than vanishing silently.
func TestFixtureFieldsStrict(t *testing.T) {
	checked := 0
	for _, fx := range loadFixtures(t) {
		if fx.Method != "GET" || fx.Status != 200 || fx.BodyFormat != "json" {
			continue
		}
		var typ reflect.Type
		for _, s := range strictTypes {
			if s.re.MatchString(fx.Path) || s.re.MatchString(fx.pathOnly()) {
				typ = s.typ
				break
			}
		}
		if typ == nil || typ == reflect.TypeFor[json.RawMessage]() {
			continue
		}
		checked++
		t.Run(fx.Name, func(t *testing.T) {
			body := fx.responseBody(t)
			if err := json.Unmarshal(body, reflect.New(typ).Interface()); err != nil {
				t.Fatalf("decode into %v: %v", typ, err)
			}
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			var missing []string
			strictWalk(typ, v, "$", &missing)
			sort.Strings(missing)
			for _, m := range missing {
				t.Errorf("PD sends %s, which %v has no field for", m, typ)
			}
		})
	}
	if checked < 140 {
		t.Errorf("only %d fixtures checked; the endpoint table lost coverage", checked)
	}
}

var (
	timeType        = reflect.TypeFor[time.Time]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// strictWalk reports JSON object keys that typ cannot hold.
func strictWalk(typ reflect.Type, v any, path string, missing *[]string) {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if typ == timeType || typ.Kind() == reflect.Interface {
		return
	}
	// Custom decoders of scalars (ByteSize, Duration, StringBool,
	// CommaList) take the value whole; struct types are still walked.
	if reflect.PointerTo(typ).Implements(unmarshalerType) && typ.Kind() != reflect.Struct {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		switch typ.Kind() {
		case reflect.Struct:
			fields := jsonFields(typ)
			for k, x := range v {
				ft, ok := fields[k]
				if !ok {
					*missing = append(*missing, path+"."+k)
					continue
				}
				strictWalk(ft, x, path+"."+k, missing)
			}
		case reflect.Map:
			for k, x := range v {
				strictWalk(typ.Elem(), x, fmt.Sprintf("%s[%q]", path, k), missing)
			}
		default:
			*missing = append(*missing, path+" (an object, but the Go type is "+typ.String()+")")
		}
	case []any:
		if typ.Kind() != reflect.Slice && typ.Kind() != reflect.Array {
			*missing = append(*missing, path+" (an array, but the Go type is "+typ.String()+")")
			return
		}
		for i, x := range v {
			strictWalk(typ.Elem(), x, fmt.Sprintf("%s[%d]", path, i), missing)
		}
	}
}

// jsonFields lists the JSON names a struct decodes, following embedded structs.
func jsonFields(typ reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			for k, v := range jsonFields(ft) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// TestStrictWalkCatchesUnknownFields proves the walker is not vacuous.
func TestStrictWalkCatchesUnknownFields(t *testing.T) {
	var v any
	dec := json.NewDecoder(strings.NewReader(`{"store":{"id":1,"brand_new":true},"status":{"capacity":"1TiB"},"extra":[1]}`))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	var missing []string
	strictWalk(reflect.TypeFor[StoreInfo](), v, "$", &missing)
	sort.Strings(missing)
	want := []string{"$.extra", "$.store.brand_new"}
	if !reflect.DeepEqual(missing, want) {
		t.Fatalf("missing = %v, want %v", missing, want)
	}
}
