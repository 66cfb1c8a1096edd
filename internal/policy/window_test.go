package policy

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the Berlin cases must not depend on the host's zoneinfo
)

func TestCanStart(t *testing.T) {
	p := mustParse(t, baseTiers+`maintenance-windows:
  - {days: [mon, tue, wed, thu, fri], start: "02:00", end: "05:00", timezone: UTC}
  - {days: [sat], start: "22:00", end: "04:00", timezone: Europe/Berlin}
always-allowed: [cancel_operator, transfer_leader]
`)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	in := func(loc *time.Location, s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// 2024-06-03 is a Monday; 2024-06-08 a Saturday (Berlin is UTC+2 then).
	tests := []struct {
		name   string
		action string
		at     time.Time
		ok     bool
		next   time.Time
	}{
		{"weekday inside", "drain_store", utc("2024-06-03 02:00"), true, time.Time{}},
		{"weekday last minute", "drain_store", utc("2024-06-03 04:59"), true, time.Time{}},
		{"weekday end is exclusive", "drain_store", utc("2024-06-03 05:00"), false, utc("2024-06-04 02:00")},
		{"weekday before", "drain_store", utc("2024-06-03 01:59"), false, utc("2024-06-03 02:00")},
		{"friday after: next is saturday night Berlin", "drain_store", utc("2024-06-07 06:00"), false, in(berlin, "2024-06-08 22:00")},
		{"saturday night Berlin, before midnight", "drain_store", in(berlin, "2024-06-08 23:30"), true, time.Time{}},
		{"over midnight: sunday early Berlin", "drain_store", in(berlin, "2024-06-09 03:59"), true, time.Time{}},
		{"over midnight: closes sunday 04:00 Berlin", "drain_store", in(berlin, "2024-06-09 04:00"), false, utc("2024-06-10 02:00")},
		// Saturday 21:30 UTC is 23:30 in Berlin: inside, though the UTC clock
		// says nothing opens at 21:30.
		{"zone matters", "drain_store", utc("2024-06-08 21:30"), true, time.Time{}},
		{"sunday night is not saturday night", "drain_store", in(berlin, "2024-06-09 23:00"), false, utc("2024-06-10 02:00")},
		{"always allowed outside windows", "cancel_operator", utc("2024-06-05 12:00"), true, time.Time{}},
		// Winter: Berlin is UTC+1, so 22:00 Berlin is 21:00 UTC.
		{"winter offset", "drain_store", utc("2024-01-06 21:00"), true, time.Time{}},
		{"winter offset, just before", "drain_store", utc("2024-01-06 20:59"), false, utc("2024-01-06 21:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, why, next := p.CanStart(tt.action, tt.at)
			if ok != tt.ok {
				t.Fatalf("CanStart(%s, %s) = %v (%s), want %v", tt.action, tt.at.UTC(), ok, why, tt.ok)
			}
			if !next.Equal(tt.next) {
				t.Errorf("next = %s, want %s (%s)", next.UTC(), tt.next.UTC(), why)
			}
			if why == "" {
				t.Error("no reason given")
			}
		})
	}
}

func TestCanStartReasons(t *testing.T) {
	p := mustParse(t, baseTiers+`maintenance-windows:
  - {days: [mon], start: "02:00", end: "24:00"}
always-allowed: [transfer_leader]
`)
	mon := time.Date(2024, 6, 3, 23, 59, 0, 0, time.UTC)
	for _, tt := range []struct {
		action string
		at     time.Time
		want   string
	}{
		{"drain_store", mon, "inside maintenance window mon 02:00-24:00 UTC"},
		{"transfer_leader", mon.Add(time.Hour), "transfer_leader is always allowed"},
		{"drain_store", mon.Add(time.Minute), "the next, mon 02:00-24:00 UTC, opens Mon 2024-06-10 02:00 UTC"},
	} {
		if _, why, _ := p.CanStart(tt.action, tt.at); !strings.Contains(why, tt.want) {
			t.Errorf("CanStart(%s, %s): %q, want it to say %q", tt.action, tt.at, why, tt.want)
		}
	}
	if ok, why, _ := mustParse(t, baseTiers).CanStart("drain_store", mon); !ok || why != "no maintenance windows" {
		t.Errorf("no windows: %v %q", ok, why)
	}
}
